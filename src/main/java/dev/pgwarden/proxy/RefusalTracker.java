package dev.pgwarden.proxy;

import java.util.ArrayDeque;

import dev.pgwarden.wire.PgError;

/**
 * Keeps refused statements in protocol order. A refused message is replaced upstream by a
 * statement that fails with a unique marker, so PostgreSQL itself produces the error at the right
 * place (aborting the transaction and skipping to Sync exactly as a real error would); the
 * matching ErrorResponse is then swapped for the gateway's own.
 *
 * <p>Cycles: every Query, Sync or FunctionCall sent upstream ends with one ReadyForQuery.
 */
final class RefusalTracker {
    private record Pending(long cycle, String marker, PgError error) {
    }

    private final ArrayDeque<Pending> pending = new ArrayDeque<>();
    private long cyclesSent;
    private long cyclesDone;
    private long markers;

    /** Called for every message that ends a cycle when it is sent upstream. */
    void cycleSent() {
        cyclesSent++;
    }

    /** @return the marker the poison statement must contain */
    String refuse(PgError error) {
        String marker = "pgwarden_refused_" + (++markers);
        pending.add(new Pending(cyclesSent, marker, error));
        return marker;
    }

    boolean hasPending() {
        return !pending.isEmpty();
    }

    /** @return the gateway's error if this upstream error is the one our poison statement caused */
    PgError substitute(PgError upstreamError) {
        Pending head = pending.peek();
        if (head != null && head.cycle == cyclesDone && upstreamError.message() != null
                && upstreamError.message().contains(head.marker)) {
            pending.poll();
            return head.error;
        }
        return null;
    }

    /** A ReadyForQuery arrived: refusals of the finished cycle that an earlier error skipped are void. */
    void cycleDone() {
        while (!pending.isEmpty() && pending.peek().cycle <= cyclesDone) {
            pending.poll();
        }
        cyclesDone++;
    }

    long cyclesInFlight() {
        return cyclesSent - cyclesDone;
    }
}
