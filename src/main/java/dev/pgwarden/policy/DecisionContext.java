package dev.pgwarden.policy;

import dev.pgwarden.lineage.PlannerFallback;

/**
 * What the proxy lends the engine for one decision: row estimates, planner lineage, prepared statements, and the
 * catalog's word on which functions have side effects.
 */
public record DecisionContext(Estimator estimator, PlannerFallback fallback, PreparedStatements prepared,
        VolatilitySource volatility) {

    public static final DecisionContext NONE = new DecisionContext(Estimator.NONE, PlannerFallback.NONE,
            PreparedStatements.NONE, VolatilitySource.NONE);

    public DecisionContext {
        estimator = estimator == null ? Estimator.NONE : estimator;
        fallback = fallback == null ? PlannerFallback.NONE : fallback;
        prepared = prepared == null ? PreparedStatements.NONE : prepared;
        volatility = volatility == null ? VolatilitySource.NONE : volatility;
    }

    public DecisionContext(Estimator estimator, PlannerFallback fallback, PreparedStatements prepared) {
        this(estimator, fallback, prepared, VolatilitySource.NONE);
    }

    public static DecisionContext of(Estimator estimator) {
        return new DecisionContext(estimator, PlannerFallback.NONE, PreparedStatements.NONE, VolatilitySource.NONE);
    }

    /** The same context with another prepared-statement view (later statements of one query string). */
    DecisionContext withPrepared(PreparedStatements other) {
        return new DecisionContext(estimator, fallback, other, volatility);
    }
}
