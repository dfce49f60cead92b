package dev.pgwarden.proxy;

import io.vertx.core.Future;

/** The planner's row estimate for a statement, asked under the session's own role (never run). */
@FunctionalInterface
public interface RowEstimates {

    /**
     * @param rows  the rows the statement returns or reads from tables, whichever is more
     * @param width the planned width of one result row, in bytes
     */
    record Estimate(long rows, long width) {
    }

    /**
     * @param sql      one plannable statement (a query, or the query a COPY/DECLARE wraps)
     * @param extended whether it came through Parse (so {@code $n} are parameters)
     * @return the planner's estimate; may be called from any thread
     */
    Future<Estimate> estimate(String sql, boolean extended);

    RowEstimates NONE = (sql, extended) -> Future.failedFuture("no row estimates on this session");
}
