package dev.pgwarden.policy;

/**
 * The planner's row estimate for a statement, supplied by the proxy (EXPLAIN on the upstream connection). The
 * engine calls it only when the first rule that otherwise matches has {@code estimated_rows_over}, at most once
 * per statement. (A LIMIT is no reason to skip it: the rows a statement reads count, and a LIMIT 1 can still
 * fold a whole table into its one row.) If it throws,
 * the estimate is unknown and the rule is read restrictively (see {@link PolicyEngine}).
 */
@FunctionalInterface
public interface Estimator {

    /** No estimates available. */
    Estimator NONE = sql -> {
        throw new UnsupportedOperationException("no row estimator is configured");
    };

    /**
     * @param sql the statement (or the query it wraps) to EXPLAIN; never run with ANALYZE
     * @return the rows it reads from tables or returns, whichever is more
     */
    long estimate(String sql) throws Exception;

    /** The estimate with the planned row width; estimators that know no width leave it 0. */
    default PlanEstimate plan(String sql) throws Exception {
        return new PlanEstimate(estimate(sql), 0);
    }
}
