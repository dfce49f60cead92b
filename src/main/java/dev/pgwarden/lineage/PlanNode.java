package dev.pgwarden.lineage;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Consumer;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One node of an EXPLAIN (VERBOSE, FORMAT JSON) plan with the fields lineage needs, linked to
 * its parent. Identity semantics (two nodes are never equal unless the same object).
 */
final class PlanNode {

    final String type;
    final PlanNode parent;
    /** "Outer", "Inner", "Member", "Subquery", "InitPlan", "SubPlan", ... (null at the root). */
    final String parentRelationship;
    final String subplanName;
    /** The range-table name the deparser uses for this node's relation (scan nodes, ModifyTable). */
    final String alias;
    final String relationName;
    final String schema;
    final String cteName;
    final String functionName;
    final String operation;
    /** Parsed "Output" list, or null if the node has none. */
    final List<Expression> output;
    /** "Function Call" / "Table Function Call", or null. */
    final Expression call;
    /** Children that produce this node's input rows (not InitPlans/SubPlans). */
    final List<PlanNode> dataChildren = new ArrayList<>(2);
    /** InitPlans and SubPlans attached to this node. */
    final List<PlanNode> subplans = new ArrayList<>(0);
    /** The node as EXPLAIN printed it, for the fields read only when checking predicates. */
    final JsonNode json;

    private PlanNode(JsonNode json, PlanNode parent) {
        this.parent = parent;
        this.json = json;
        this.type = text(json, "Node Type");
        this.parentRelationship = text(json, "Parent Relationship");
        this.subplanName = text(json, "Subplan Name");
        this.alias = text(json, "Alias");
        this.relationName = text(json, "Relation Name");
        this.schema = text(json, "Schema");
        this.cteName = text(json, "CTE Name");
        this.functionName = text(json, "Function Name");
        this.operation = text(json, "Operation");
        JsonNode out = json.get("Output");
        if (out != null && out.isArray()) {
            List<Expression> exprs = new ArrayList<>(out.size());
            for (JsonNode e : out) {
                exprs.add(Expression.parse(e.asText()));
            }
            this.output = Collections.unmodifiableList(exprs);
        } else {
            this.output = null;
        }
        String callText = text(json, "Function Call");
        if (callText == null) {
            callText = text(json, "Table Function Call");
        }
        this.call = callText == null ? null : Expression.parse(callText);
        JsonNode plans = json.get("Plans");
        if (plans != null && plans.isArray()) {
            for (JsonNode child : plans) {
                if (!child.isObject()) {
                    throw new LineageException("plan child is not an object");
                }
                PlanNode c = new PlanNode(child, this);
                if (c.isSubplan()) {
                    subplans.add(c);
                } else {
                    dataChildren.add(c);
                }
            }
        }
    }

    static PlanNode tree(JsonNode plan) {
        if (plan == null || !plan.isObject()) {
            throw new LineageException("EXPLAIN output has no \"Plan\" object");
        }
        return new PlanNode(plan, null);
    }

    boolean isSubplan() {
        return "InitPlan".equals(parentRelationship) || "SubPlan".equals(parentRelationship);
    }

    /** Nodes whose output is the positional union of their children's (no projection of their own). */
    boolean isSetOperation() {
        return "Append".equals(type) || "Merge Append".equals(type) || "Recursive Union".equals(type);
    }

    /** Children whose outputs this node's expressions refer to (a Subquery Scan's child is hidden behind its alias). */
    List<PlanNode> referencedChildren() {
        if ("Subquery Scan".equals(type)) {
            List<PlanNode> out = new ArrayList<>(dataChildren.size());
            for (PlanNode c : dataChildren) {
                if (!"Subquery".equals(c.parentRelationship)) {
                    out.add(c);
                }
            }
            return out;
        }
        return dataChildren;
    }

    PlanNode subqueryChild() {
        for (PlanNode c : dataChildren) {
            if ("Subquery".equals(c.parentRelationship)) {
                return c;
            }
        }
        return dataChildren.size() == 1 ? dataChildren.get(0) : null;
    }

    void forEach(Consumer<PlanNode> visitor) {
        visitor.accept(this);
        for (PlanNode c : dataChildren) {
            c.forEach(visitor);
        }
        for (PlanNode c : subplans) {
            c.forEach(visitor);
        }
    }

    /** A text field of this node, or null. */
    String field(String name) {
        return text(json, name);
    }

    private static String text(JsonNode json, String field) {
        JsonNode v = json.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    @Override
    public String toString() {
        return type + (alias == null ? "" : " " + alias);
    }
}
