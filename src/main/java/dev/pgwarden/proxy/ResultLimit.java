package dev.pgwarden.proxy;

import java.util.function.Supplier;

import dev.pgwarden.wire.PgError;
import dev.pgwarden.wire.SqlState;

/**
 * How much one statement may stream to the client, counted in rows (DataRow, or a line of COPY
 * TO) and bytes, and what happens past it: a person is asked while the stream waits, or the
 * statement is cancelled and ends with an error. What is asked, or the error, is built only when a
 * statement crosses its limit: most never do, and a limit is made for every statement on a budgeted
 * table or under an estimate rule.
 *
 * @param rows   rows it may return
 * @param bytes  bytes of rows it may return (Long.MAX_VALUE: no byte limit)
 * @param asking past the limit, builds the approval asked for; null when the statement is stopped instead
 * @param stopping past the limit, builds the error the statement ends with (when {@code asking} is null)
 * @param atStart the limit as it stands when the statement's result starts, or null when it does not
 *                change: what is left of a budget, which the session's statements before it in a
 *                pipeline (decided before any of them ran) have spent meanwhile
 */
public record ResultLimit(long rows, long bytes, Supplier<StatementGate.ApprovalNeed> asking,
        Supplier<PgError> stopping, Supplier<ResultLimit> atStart) {

    public ResultLimit(long rows, long bytes, Supplier<StatementGate.ApprovalNeed> asking, Supplier<PgError> stopping) {
        this(rows, bytes, asking, stopping, null);
    }

    /** The same limit, worked out again by {@code atStart} when the statement's result starts. */
    public ResultLimit recomputedAtStart(Supplier<ResultLimit> again) {
        return new ResultLimit(rows, bytes, asking, stopping, again);
    }

    /** The limit that applies to a result starting now. */
    public ResultLimit now() {
        if (atStart == null) {
            return this;
        }
        ResultLimit current = atStart.get();
        return current == null ? this : current;
    }

    /** Past the limit, {@code ask} is asked for while the stream waits. */
    public static ResultLimit asking(long rows, long bytes, Supplier<StatementGate.ApprovalNeed> ask) {
        return new ResultLimit(rows, bytes, ask, null);
    }

    /** Past the limit, the statement is cancelled and ends with {@code stop}. */
    public static ResultLimit stopping(long rows, long bytes, Supplier<PgError> stop) {
        return new ResultLimit(rows, bytes, null, stop);
    }

    /** An approved statement's ceiling: rows past it end the statement with 57014. */
    public static ResultLimit ceiling(StatementGate.Approved a) {
        return stopping(a.rowCeiling(), Long.MAX_VALUE, () -> PgError.error(SqlState.QUERY_CANCELED,
                "pgwarden cancelled this statement: it returned more than " + a.rowCeiling()
                        + " rows, the ceiling of approval " + a.approvalId())
                .withHint("the approval was given for the planner's row estimate; ask again for a larger read"));
    }

    /** Whether a person is asked past the limit (otherwise the statement is stopped). */
    public boolean asks() {
        return asking != null;
    }

    /** The approval to ask for past the limit; null when the statement is stopped instead. */
    public StatementGate.ApprovalNeed ask() {
        return asking == null ? null : asking.get();
    }

    /** The error a stopped statement ends with; null when a person is asked instead. */
    public PgError stop() {
        return stopping == null ? null : stopping.get();
    }

    /** The same limit with its approval request naming another text (a cached verdict reused). */
    public ResultLimit forText(String sql) {
        if (asking == null) {
            return this;
        }
        Supplier<StatementGate.ApprovalNeed> own = asking;
        Supplier<ResultLimit> again = atStart;
        return new ResultLimit(rows, bytes, () -> {
            StatementGate.ApprovalNeed ask = own.get();
            return new StatementGate.ApprovalNeed(ask.rule(), ask.message(), ask.policyVersion(), ask.estimatedRows(),
                    ask.grantMinutes(), sql, ask.fingerprint());
        }, null, again == null ? null : () -> {
            ResultLimit l = again.get();
            return l == null ? null : l.forText(sql);
        });
    }
}
