package dev.pgwarden.lineage;

/**
 * A second source of lineage for queries the SQL parser cannot read (psql's catalog queries, newer syntax).
 * The proxy implements it with {@code EXPLAIN (VERBOSE, FORMAT JSON) <query>} on the upstream connection, under
 * the session's role. The query must be sent alone through the extended protocol (Parse rejects a second
 * statement, so the text cannot smuggle one) and never with ANALYZE. When the planner cannot say, throw:
 * the statement is then refused.
 */
@FunctionalInterface
public interface PlannerFallback {

    /** No fallback: statements the parser cannot read are refused. */
    PlannerFallback NONE = sql -> {
        throw new UnsupportedOperationException("no planner fallback is configured");
    };

    PlannerLineage lineage(String query) throws Exception;
}
