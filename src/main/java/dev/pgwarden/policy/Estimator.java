package dev.pgwarden.policy;

/**
 * The planner's row estimate for a statement, supplied by the proxy (EXPLAIN on the upstream connection). The
 * engine calls it only when the first rule that otherwise matches has {@code estimated_rows_over}, at most once
 * per statement, and not when the statement's own LIMIT already keeps it under the threshold. If it throws,
 * the estimate is unknown and the rule is read restrictively (see {@link PolicyEngine}).
 */
@FunctionalInterface
public interface Estimator {

    /** No estimates available. */
    Estimator NONE = sql -> {
        throw new UnsupportedOperationException("no row estimator is configured");
    };

    /** @param sql the statement (or the query it wraps) to EXPLAIN; never run with ANALYZE */
    long estimate(String sql) throws Exception;
}
