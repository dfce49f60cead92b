package dev.pgwarden.gate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.pgwarden.masking.lineage.ExplainQuery;
import dev.pgwarden.proxy.RowEstimates;
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
    public Future<Long> estimate(String sql, boolean extended) {
        String explain;
        try {
            explain = explain(sql, extended);
        } catch (IllegalArgumentException e) {
            return Future.failedFuture(e.getMessage());
        }
        Promise<Long> result = Promise.promise();
        context.runOnContext(v -> side.forRole(role).query(explain)
                .map(rows -> planRows(rows.get(rows.size() - 1).get(0)))
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
        try {
            JsonNode plan = JSON.readTree(explainJson).path(0).path("Plan");
            JsonNode rows = plan.path("Plan Rows");
            if (!rows.isNumber()) {
                throw new IllegalStateException("EXPLAIN output has no row estimate");
            }
            return rows.asLong();
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("EXPLAIN output is not JSON: " + e.getOriginalMessage());
        }
    }
}
