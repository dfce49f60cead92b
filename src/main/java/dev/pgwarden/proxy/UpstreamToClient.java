package dev.pgwarden.proxy;

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
    private char transactionStatus = 'I';
    private boolean fatalSeen;

    UpstreamToClient(BatchWriter client, RefusalTracker refusals) {
        this.client = client;
        this.refusals = refusals;
    }

    @Override
    public boolean onMessage(byte type, Buffer buf, int start, int end) {
        if (type == MessageTypes.READY_FOR_QUERY) {
            transactionStatus = (char) buf.getByte(start + 5);
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

    char transactionStatus() {
        return transactionStatus;
    }

    /** PostgreSQL already told the client why it is closing. */
    boolean fatalSeen() {
        return fatalSeen;
    }
}
