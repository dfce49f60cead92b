package dev.pgwarden.proxy;

import dev.pgwarden.wire.MessageTypes;
import dev.pgwarden.wire.PgError;

/**
 * The row ceiling of one approved statement: rows (DataRow, or CopyData of a COPY TO) beyond it
 * are withheld, the upstream statement is cancelled once, and the statement ends with the
 * ceiling's error in place of its CommandComplete or the cancel's error. Counting starts once the
 * ReadyForQuery messages owed to earlier statements have gone by, and ends with the statement's own
 * (or, for a portal read in batches, once it completes).
 */
final class RowCeiling {
    enum Action {
        /** Relay the message as usual. */
        PASS,
        /** Withhold the message. */
        DROP,
        /** Withhold the message and cancel the statement upstream: the ceiling was just crossed. */
        CANCEL,
        /** Send {@link #error()} in the message's place (the statement's end). */
        FAIL
    }

    private final long limit;
    private final PgError error;
    private int readiesBefore;
    private long rows;
    private boolean crossed;
    private boolean failed;
    private boolean done;
    /** The last Execute stopped at its row limit: the portal's next fetches belong to this statement. */
    private boolean suspended;

    RowCeiling(long limit, int readiesBefore, PgError error) {
        this.limit = limit;
        this.readiesBefore = readiesBefore;
        this.error = error;
    }

    Action onMessage(byte type) {
        if (readiesBefore > 0) {
            if (type == MessageTypes.READY_FOR_QUERY) {
                readiesBefore--;
            }
            return Action.PASS;
        }
        switch (type) {
            case MessageTypes.DATA_ROW, MessageTypes.COPY_DATA -> {
                if (crossed) {
                    return Action.DROP;
                }
                if (++rows > limit) {
                    crossed = true;
                    return Action.CANCEL;
                }
                return Action.PASS;
            }
            case MessageTypes.COMMAND_COMPLETE, MessageTypes.COPY_DONE, MessageTypes.ERROR_RESPONSE,
                    MessageTypes.EMPTY_QUERY_RESPONSE, MessageTypes.PORTAL_SUSPENDED -> {
                if (!crossed) {
                    suspended = type == MessageTypes.PORTAL_SUSPENDED;
                    return Action.PASS;
                }
                if (failed) {
                    return Action.DROP; // the client was told; nothing else of this batch reaches it
                }
                failed = true;
                return Action.FAIL;
            }
            case MessageTypes.READY_FOR_QUERY -> {
                done = !suspended || failed;
                return Action.PASS;
            }
            default -> {
                return crossed ? Action.DROP : Action.PASS;
            }
        }
    }

    PgError error() {
        return error;
    }

    /** The statement's ReadyForQuery went by: this ceiling no longer applies. */
    boolean done() {
        return done;
    }

    long rows() {
        return rows;
    }
}
