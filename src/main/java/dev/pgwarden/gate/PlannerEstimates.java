package dev.pgwarden.gate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.pgwarden.lineage.ExplainQuery;
import dev.pgwarden.proxy.RowEstimates;
import dev.pgwarden.proxy.RowEstimates.Estimate;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;

/**
 * Row estimates from {@code EXPLAIN (FORMAT JSON)} on a side connection under one role. A statement
 * from Parse still has its {@code $n}: it is planned as a {@link GenericPlan}, which estimates with
 * default selectivity instead of the values bound later.
 */
public final class PlannerEstimates implements RowEstimates {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final SideConnections side;
    private final String role;
    private final Context context;

    /** Call on the session's event loop: the side queries run there. */
    public PlannerEstimates(SideConnections side, String role, Context context) {
        this.side = side;
        this.role = role;
        this.context = context;
    }

    @Override
    public Future<Estimate> estimate(String sql, boolean extended) {
        String explain;
        try {
            explain = explain(sql, extended);
        } catch (IllegalArgumentException e) {
            return Future.failedFuture(e.getMessage());
        }
        Promise<Estimate> result = Promise.promise();
        context.runOnContext(v -> side.forRole(role).query(explain)
                .map(rows -> planEstimate(rows.get(rows.size() - 1).get(0)))
                .onComplete(result));
        return result.future();
    }

    static String explain(String sql, boolean extended) {
        String single = ExplainQuery.forStatement(sql); // rejects a second statement in the text
        int params = extended ? Placeholders.count(sql) : 0;
        if (params == 0) {
            return single;
        }
        String query = single.substring(ExplainQuery.PREFIX.length());
        return GenericPlan.explain("pgwarden_estimate", "FORMAT JSON", query, params);
    }

    /** The top plan node's "Plan Rows". */
    static long planRows(String explainJson) {
        return planNode(explainJson).path("Plan Rows").asLong();
    }

    /**
     * The rows the plan returns or reads from tables, whichever is more, and its row width. A fold
     * ({@code SELECT json_agg(c) FROM customers c}) returns one row but reads the table.
     */
    static Estimate planEstimate(String explainJson) {
        JsonNode plan = planNode(explainJson);
        long returned = plan.path("Plan Rows").asLong();
        double read = RowsRead.of(plan);
        long rows = read >= Long.MAX_VALUE ? Long.MAX_VALUE : Math.max(returned, (long) Math.ceil(read));
        return new Estimate(rows, plan.path("Plan Width").asLong());
    }

    private static JsonNode planNode(String explainJson) {
        try {
            JsonNode plan = JSON.readTree(explainJson).path(0).path("Plan");
            if (!plan.path("Plan Rows").isNumber()) {
                throw new IllegalStateException("EXPLAIN output has no row estimate");
            }
            return plan;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("EXPLAIN output is not JSON: " + e.getOriginalMessage());
        }
    }
}
