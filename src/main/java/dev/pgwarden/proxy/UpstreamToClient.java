package dev.pgwarden.proxy;

import io.vertx.core.Future;
import java.util.function.Consumer;
import dev.pgwarden.wire.BackendMessages;
import dev.pgwarden.wire.MessageFramer;
import dev.pgwarden.wire.MessageTypes;
import dev.pgwarden.wire.PgError;
import io.vertx.core.buffer.Buffer;

/**
 * Relays server messages to the client untouched, except the errors that stand for a refusal.
 * The result-stream seams (masking, audit capture) hook in here.
 */
final class UpstreamToClient implements MessageFramer.Visitor {
    private final BatchWriter client;
    private final RefusalTracker refusals;
    private final ResultTracker results;
    private final MessageFramer framer;
    private final Consumer<Future<Void>> holdUntil;
    private char transactionStatus = 'I';
    private boolean fatalSeen;
    /** Query / Sync / FunctionCall messages relayed upstream whose ReadyForQuery has not come back. */
    private int awaitingReady;
    /** awaitingReady == 0 and no open transaction; written only when it changes, read by graceful shutdown. */
    private volatile boolean idle = true;

    UpstreamToClient(BatchWriter client, RefusalTracker refusals, ResultTracker results, MessageFramer framer,
            Consumer<Future<Void>> holdUntil) {
        this.client = client;
        this.refusals = refusals;
        this.results = results;
        this.framer = framer;
        this.holdUntil = holdUntil;
    }

    @Override
    public boolean onMessage(byte type, Buffer buf, int start, int end) {
        if (results != null) {
            Buffer masked = results.onServerMessage(type, buf, start, end);
            if (masked == ResultTracker.HOLD) {
                client.flush();
                framer.holdCurrent();
                holdUntil.accept(results.awaitCatalog());
                return false;
            }
            if (masked != null) {
                client.replace(masked);
                return true;
            }
        }
        if (type == MessageTypes.READY_FOR_QUERY) {
            transactionStatus = (char) buf.getByte(start + 5);
            if (awaitingReady > 0) {
                awaitingReady--;
            }
            boolean nowIdle = awaitingReady == 0 && transactionStatus == 'I';
            if (nowIdle != idle) {
                idle = nowIdle;
            }
        } else if (type == MessageTypes.ERROR_RESPONSE) {
            PgError error = PgError.parse(buf, start, end);
            fatalSeen |= error.isFatal();
            PgError ours = refusals.hasPending() ? refusals.substitute(error) : null;
            if (ours != null) {
                client.replace(BackendMessages.error(ours));
                return true;
            }
        }
        client.pass(buf, start, end);
        return true;
    }

    @Override
    public void onBatchEnd(Buffer buf) {
        client.flush();
    }

    /**
     * A message PostgreSQL answers with ReadyForQuery went upstream. (A Sync sent during COPY FROM
     * STDIN gets no answer, so the count can stay high: the session then looks busy until the
     * shutdown grace period ends, which errs on the safe side.)
     */
    void expectReady() {
        awaitingReady++;
        if (idle) {
            idle = false;
        }
    }

    /** Nothing in flight and no open transaction: the session can end without losing work. Any thread. */
    boolean idle() {
        return idle;
    }

    /** PostgreSQL already told the client why it is closing. */
    boolean fatalSeen() {
        return fatalSeen;
    }
}
