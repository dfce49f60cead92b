package dev.pgwarden.audit;

import java.time.Instant;

/** Timestamps as PostgreSQL stores them (microseconds since 1970), so a hash survives the round trip. */
final class Micros {
    private Micros() {
    }

    static long now() {
        return of(Instant.now());
    }

    static long of(Instant t) {
        return Math.multiplyExact(t.getEpochSecond(), 1_000_000L) + t.getNano() / 1_000;
    }

    static Instant toInstant(long micros) {
        return Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1_000L);
    }
}
