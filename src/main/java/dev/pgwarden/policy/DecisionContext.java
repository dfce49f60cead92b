package dev.pgwarden.policy;

/** What the proxy lends the engine for one decision: row estimates, planner lineage, prepared statements. */
public record DecisionContext(Estimator estimator, PlannerFallback fallback, PreparedStatements prepared) {

    public static final DecisionContext NONE =
            new DecisionContext(Estimator.NONE, PlannerFallback.NONE, PreparedStatements.NONE);

    public DecisionContext {
        estimator = estimator == null ? Estimator.NONE : estimator;
        fallback = fallback == null ? PlannerFallback.NONE : fallback;
        prepared = prepared == null ? PreparedStatements.NONE : prepared;
    }

    public static DecisionContext of(Estimator estimator) {
        return new DecisionContext(estimator, PlannerFallback.NONE, PreparedStatements.NONE);
    }
}
