package dev.pgwarden.proxy;

import dev.pgwarden.wire.PgError;

/**
 * Counts what one statement streams against its {@link ResultLimit}: a portal read in batches and
 * a cursor read by FETCH are counted across their reads. Past the limit the statement is either
 * held while a person is asked ({@link Action#ASK}) or cancelled: the row that crossed and every
 * row after it are withheld, the upstream statement is cancelled once, and the statement ends
 * with the limit's error in place of its own end (CommandComplete, or the cancel's error).
 */
final class ResultGuard {
    enum Action {
        /** Relay the message as usual. */
        PASS,
        /** Withhold the message. */
        DROP,
        /** Withhold the message and cancel the statement upstream: the limit was just crossed. */
        CANCEL,
        /** Hold this message and everything after it until {@link #decided} is called. */
        ASK,
        /** Send {@link #error()} in the message's place (the statement's end). */
        FAIL
    }

    private enum State { COUNTING, ASKING, APPROVED, DENIED, UNLIMITED, CROSSED, FAILED }

    private final ResultLimit limit;
    private long rows;
    private long bytes;
    private State state = State.COUNTING;
    private PgError error;

    /** Made when the statement's result starts: a limit that changes meanwhile is taken as it stands now. */
    ResultGuard(ResultLimit limit) {
        this.limit = limit.now();
    }

    /** A DataRow, or a CopyData of COPY TO, of {@code size} bytes. */
    Action onRow(int size) {
        switch (state) {
            case UNLIMITED -> {
                return Action.PASS;
            }
            case APPROVED -> { // the row that was held while asking, shown again
                state = State.UNLIMITED;
                return Action.PASS;
            }
            case DENIED -> {
                state = State.CROSSED;
                return Action.CANCEL;
            }
            case CROSSED, FAILED -> {
                return Action.DROP;
            }
            case ASKING -> {
                return Action.ASK;
            }
            default -> {
                rows++;
                bytes += size;
                if (rows <= limit.rows() && bytes <= limit.bytes()) {
                    return Action.PASS;
                }
                if (limit.asks()) {
                    state = State.ASKING;
                    return Action.ASK;
                }
                state = State.CROSSED;
                return Action.CANCEL;
            }
        }
    }

    /** The statement's end: CommandComplete, CopyDone, PortalSuspended, EmptyQueryResponse or ErrorResponse. */
    Action onEnd() {
        if (state == State.CROSSED) {
            state = State.FAILED;
            return Action.FAIL;
        }
        return state == State.FAILED ? Action.DROP : Action.PASS;
    }

    /**
     * A new read of the same portal or cursor starts. One that already failed fails again (its
     * rows were never all sent), with nothing to cancel this time.
     */
    void startRead() {
        if (state == State.FAILED) {
            state = State.CROSSED;
        }
    }

    /** The approval asked for: {@code refusal} null when approved (the rest streams unlimited). */
    void decided(PgError refusal) {
        if (refusal == null) {
            state = State.APPROVED;
        } else {
            error = refusal;
            state = State.DENIED;
        }
    }

    /** The approval to ask for (when {@link Action#ASK} was answered). */
    StatementGate.ApprovalNeed ask() {
        return limit.ask();
    }

    /** The error the statement ends with once cancelled: a refused approval's, or the limit's own. */
    PgError error() {
        if (error == null) {
            error = limit.stop();
        }
        return error;
    }

    long rows() {
        return rows;
    }

    boolean failed() {
        return state == State.FAILED;
    }
}
