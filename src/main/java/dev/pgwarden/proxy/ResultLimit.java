package dev.pgwarden.proxy;

import dev.pgwarden.wire.PgError;
import dev.pgwarden.wire.SqlState;

/**
 * How much one statement may stream to the client, counted in rows (DataRow, or a line of COPY
 * TO) and bytes, and what happens past it: a person is asked while the stream waits
 * ({@code ask}), or the statement is cancelled and ends with {@code stop}.
 *
 * @param rows  rows it may return
 * @param bytes bytes of rows it may return (Long.MAX_VALUE: no byte limit)
 * @param ask   past the limit, this approval is asked for; null when the statement is stopped instead
 * @param stop  past the limit, the statement ends with this error (when {@code ask} is null)
 */
public record ResultLimit(long rows, long bytes, StatementGate.ApprovalNeed ask, PgError stop) {

    /** An approved statement's ceiling: rows past it end the statement with 57014. */
    public static ResultLimit ceiling(StatementGate.Approved a) {
        return new ResultLimit(a.rowCeiling(), Long.MAX_VALUE, null, PgError.error(SqlState.QUERY_CANCELED,
                "pgwarden cancelled this statement: it returned more than " + a.rowCeiling()
                        + " rows, the ceiling of approval " + a.approvalId())
                .withHint("the approval was given for the planner's row estimate; ask again for a larger read"));
    }

    /** The same limit with its approval request naming another text (a cached verdict reused). */
    public ResultLimit forText(String sql) {
        if (ask == null) {
            return this;
        }
        return new ResultLimit(rows, bytes, new StatementGate.ApprovalNeed(ask.rule(), ask.message(),
                ask.policyVersion(), ask.estimatedRows(), ask.grantMinutes(), sql, ask.fingerprint()), stop);
    }
}
