package dev.pgwarden.proxy;

import io.vertx.core.Future;

/** The planner's row estimate for a statement, asked under the session's own role (never run). */
@FunctionalInterface
public interface RowEstimates {

    /**
     * @param sql      one plannable statement (a query, or the query a COPY/DECLARE wraps)
     * @param extended whether it came through Parse (so {@code $n} are parameters)
     * @return the planner's estimate of the rows the statement returns; may be called from any thread
     */
    Future<Long> estimate(String sql, boolean extended);

    RowEstimates NONE = (sql, extended) -> Future.failedFuture("no row estimates on this session");
}
