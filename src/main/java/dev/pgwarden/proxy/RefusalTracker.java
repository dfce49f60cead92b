package dev.pgwarden.proxy;

import java.security.SecureRandom;
import java.util.ArrayDeque;
import java.util.HexFormat;
import java.util.Iterator;

import dev.pgwarden.wire.PgError;

/**
 * Keeps refused statements in protocol order. A refused message is replaced upstream by a
 * statement that fails with a unique marker, so PostgreSQL itself produces the error at the right
 * place (aborting the transaction and skipping to Sync exactly as a real error would); the
 * ErrorResponse carrying the marker is then swapped for the gateway's own.
 *
 * <p>Matching is by marker rather than by counting cycles, because PostgreSQL silently ignores a
 * Sync that arrives during COPY FROM STDIN: a counter would drift. Markers carry a per-session
 * random part, so a client cannot forge one.
 */
final class RefusalTracker {
    private static final int MAX_PENDING = 256;
    private static final SecureRandom RANDOM = new SecureRandom();

    private record Pending(String marker, PgError error) {
    }

    private final ArrayDeque<Pending> pending = new ArrayDeque<>();
    private final String prefix;
    private long count;

    RefusalTracker() {
        byte[] nonce = new byte[6];
        RANDOM.nextBytes(nonce);
        this.prefix = "pgwarden_refused_" + HexFormat.of().formatHex(nonce) + "_";
    }

    /** @return the marker the poison statement must contain (a bare lower-case identifier) */
    String refuse(PgError error) {
        String marker = prefix + (++count);
        pending.add(new Pending(marker, error));
        if (pending.size() > MAX_PENDING) {
            pending.poll(); // a refusal skipped by an earlier error long ago; it will never come back
        }
        return marker;
    }

    boolean hasPending() {
        return !pending.isEmpty();
    }

    /**
     * @return the gateway's error if this upstream error is the one a poison statement caused.
     *         Refusals queued before it were skipped by PostgreSQL (an earlier error) and are dropped.
     */
    PgError substitute(PgError upstreamError) {
        String message = upstreamError.message();
        if (message == null || !message.contains(prefix)) {
            return null;
        }
        for (Iterator<Pending> it = pending.iterator(); it.hasNext();) {
            Pending p = it.next();
            if (containsMarker(message, p.marker)) {
                while (pending.peek() != p) {
                    pending.poll();
                }
                pending.poll();
                return p.error;
            }
        }
        return null;
    }

    /** "..._1" must not match inside "..._12". */
    private static boolean containsMarker(String message, String marker) {
        int at = message.indexOf(marker);
        while (at >= 0) {
            int after = at + marker.length();
            if (after == message.length() || !Character.isDigit(message.charAt(after))) {
                return true;
            }
            at = message.indexOf(marker, at + 1);
        }
        return false;
    }
}
