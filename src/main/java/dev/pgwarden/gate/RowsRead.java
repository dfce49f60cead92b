package dev.pgwarden.gate;

import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * How many rows a plan pulls from its tables (and set-returning functions), from
 * {@code EXPLAIN (FORMAT JSON)}: each scan node counts the rows asked of it, times the loops it
 * runs. A Limit asks its input for no more than its limit; nodes that must see their whole input
 * before answering (Sort, Aggregate, Hash, WindowAgg, SetOp...) ask for everything, so
 * {@code SELECT json_agg(c) FROM customers c LIMIT 1} reads the whole table while
 * {@code SELECT * FROM customers LIMIT 1} reads a row. The inner side of a nested loop runs once
 * per outer row; InitPlans run once, SubPlans once per row of the node they belong to.
 */
final class RowsRead {
    private static final double ALL = Double.POSITIVE_INFINITY;
    private static final Set<String> WHOLE_INPUT = Set.of("Sort", "Incremental Sort", "Aggregate", "Hash",
            "WindowAgg", "SetOp", "Recursive Union", "Gather Merge");
    private static final Set<String> FUNCTION_SCANS = Set.of("Function Scan", "Table Function Scan");

    private RowsRead() {
    }

    static double of(JsonNode plan) {
        return pulled(plan, ALL, 1);
    }

    /** Rows pulled from the tables under {@code node} when its parent asks it for {@code demand} rows per loop. */
    private static double pulled(JsonNode node, double demand, double loops) {
        String type = node.path("Node Type").asText();
        double rows = node.path("Plan Rows").asDouble();
        double total = 0;
        if (isScan(node, type)) {
            total += loops * Math.min(rows, demand);
        }
        double childDemand = type.equals("Limit") ? Math.min(demand, rows)
                : WHOLE_INPUT.contains(type) ? ALL : demand;
        double outerRows = 0;
        for (JsonNode child : node.path("Plans")) {
            String relation = child.path("Parent Relationship").asText();
            switch (relation) {
                case "InitPlan" -> total += pulled(child, ALL, 1);
                case "SubPlan" -> total += pulled(child, ALL, loops * Math.max(1, Math.min(rows, demand)));
                case "Inner" -> {
                    if (type.equals("Nested Loop")) {
                        total += pulled(child, ALL, loops * Math.max(1, outerRows));
                    } else {
                        // a Hash Join's Hash reads its whole input; a Merge Join's inner streams
                        total += pulled(child, type.equals("Hash Join") ? ALL : childDemand, loops);
                    }
                }
                default -> {
                    if (relation.equals("Outer")) {
                        outerRows = Math.min(child.path("Plan Rows").asDouble(), childDemand);
                    }
                    total += pulled(child, childDemand, loops);
                }
            }
        }
        return total;
    }

    private static boolean isScan(JsonNode node, String type) {
        return (node.has("Relation Name") && !type.equals("ModifyTable")) || FUNCTION_SCANS.contains(type);
    }
}
