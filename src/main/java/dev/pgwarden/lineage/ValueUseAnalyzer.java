package dev.pgwarden.lineage;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import com.fasterxml.jackson.databind.JsonNode;

import dev.pgwarden.lineage.Expression.ItemType;
import dev.pgwarden.lineage.ExpressionUses.Value;
import dev.pgwarden.lineage.LineageAnalyzer.Entry;
import dev.pgwarden.lineage.LineageAnalyzer.Leaf;

/**
 * Finds what a plan does with the values of masked columns besides returning them: every
 * expression of every node (outputs, filters, join and index conditions, sort, group and cache
 * keys, function calls, SubPlans and InitPlans) is read with {@link ExpressionUses}, and the
 * comparisons a node makes without printing them are added: INTERSECT/EXCEPT (SetOp), DISTINCT
 * over unsorted input (Unique), WITH RECURSIVE ... UNION (Recursive Union), the order of an index
 * scan, the hidden test of an IN/ANY/ALL/EXISTS subquery (PostgreSQL 15 prints only
 * {@code (hashed SubPlan n)}), and writes (INSERT/UPDATE/MERGE values, CREATE TABLE AS).
 */
final class ValueUseAnalyzer {

    private static final List<String> CONDITIONS = List.of("Filter", "Join Filter", "Index Cond", "Recheck Cond",
            "Hash Cond", "Merge Cond", "One-Time Filter", "Run Condition", "TID Cond", "Conflict Filter");
    private static final Map<String, String> KEYS = new LinkedHashMap<>();

    static {
        KEYS.put("Sort Key", "orders by masked column %s");
        KEYS.put("Presorted Key", "orders by masked column %s");
        KEYS.put("Group Key", "groups by masked column %s (GROUP BY, DISTINCT)");
        KEYS.put("Hash Key", "groups by masked column %s (GROUP BY, DISTINCT)");
        KEYS.put("Cache Key", "looks rows up by masked column %s (a join on it)");
        KEYS.put("Order By", "orders by masked column %s");
    }

    /** Nodes that order their output themselves, whatever order their input had. */
    private static final Set<String> REORDERING = Set.of("Sort", "Hash");
    /** Nodes that turn their input's order into data: which rows, ranks, first values. */
    private static final Set<String> ORDER_CONSUMING = Set.of("Limit", "WindowAgg", "Unique", "SetOp", "Group",
            "Recursive Union", "ModifyTable", "Incremental Sort");
    /** Aggregates whose result does not depend on the order of their input. */
    private static final Set<String> ORDER_BLIND_AGGREGATES = Set.of("count", "sum", "avg", "min", "max", "bool_and",
            "bool_or", "every", "bit_and", "bit_or", "bit_xor", "stddev", "stddev_pop", "stddev_samp", "variance",
            "var_pop", "var_samp", "corr", "covar_pop", "covar_samp", "regr_avgx", "regr_avgy", "regr_count",
            "regr_intercept", "regr_r2", "regr_slope", "regr_sxx", "regr_sxy", "regr_syy", "grouping");
    private static final Set<String> SORTED_INPUT = Set.of("Sort", "Incremental Sort", "Merge Append", "Gather Merge");
    private static final Set<String> SYSTEM_COLUMNS = Set.of("ctid", "tableoid");

    private final PlanNode root;
    private final LineageAnalyzer lineage;
    private final MaskedColumns masked;
    private final StatementShape shape;
    private final List<ValueUse> found = new ArrayList<>();
    private final Map<PlanNode, Set<BaseColumn>> available = new IdentityHashMap<>();
    private final Set<Integer> hiddenTestsReported = new HashSet<>();
    private final Set<String> unknownIndexes = new TreeSet<>();

    ValueUseAnalyzer(PlanNode root, LineageAnalyzer lineage, MaskedColumns masked, StatementShape shape) {
        this.root = root;
        this.lineage = lineage;
        this.masked = masked;
        this.shape = shape;
    }

    ValueUses run() {
        root.forEach(this::check);
        return new ValueUses(found, unknownIndexes);
    }

    private void check(PlanNode node) {
        for (String field : CONDITIONS) {
            String text = node.field(field);
            if (text != null) {
                refuse(read(node, Expression.parse(text), false), "uses masked column %s as a condition");
            }
        }
        for (Map.Entry<String, String> key : KEYS.entrySet()) {
            for (String text : strings(node.json.get(key.getKey()))) {
                refuse(read(node, Expression.parse(text), true), key.getValue());
            }
        }
        JsonNode sets = node.json.get("Grouping Sets");
        if (sets != null) {
            for (String text : strings(sets)) {
                refuse(read(node, Expression.parse(text), true), "groups by masked column %s (GROUPING SETS)");
            }
        }
        String window = node.field("Window"); // PostgreSQL 16+
        if (window != null) {
            Expression w = Expression.parse(window);
            for (Value v : windowKeys(node, w)) {
                refuse(v, "partitions or orders a window by masked column %s");
            }
        }
        if (node.output != null) {
            for (Expression e : node.output) {
                read(node, e, false);
            }
        }
        if (node.call != null) {
            read(node, node.call, false);
        }
        implicitComparisons(node);
        writes(node);
    }

    // ------------------------------------------------------------------ reading expressions

    /** An expression's leaves, by where they start, with their values and all the masked columns they carry. */
    private record Reading(Map<Integer, Leaf> byStart, Map<Leaf, Value> values, Set<BaseColumn> tainted) {
    }

    private Reading reading(PlanNode node, Expression expr) {
        Map<Integer, Leaf> byStart = new HashMap<>();
        Map<Leaf, Value> values = new IdentityHashMap<>();
        Set<BaseColumn> tainted = new TreeSet<>();
        for (Leaf leaf : lineage.leaves(node, expr)) {
            byStart.putIfAbsent(leaf.start(), leaf);
            Value v = leafValue(leaf);
            values.put(leaf, v);
            tainted.addAll(v.masked());
            if (leaf.item() != null && leaf.item().type() == ItemType.SUBPLAN) {
                hiddenTest(node, leaf.item().number());
            }
        }
        return new Reading(byStart, values, tainted);
    }

    private Value read(PlanNode node, Expression expr, boolean key) {
        if (expr.syntaxError != null) {
            for (BaseColumn c : first(availableAt(node))) {
                found.add(ValueUse.other(c, "may use masked column %s in an expression pgwarden cannot read"));
            }
            return ExpressionUses.PLAIN;
        }
        Reading r = reading(node, expr);
        if (r.tainted().isEmpty()) {
            return ExpressionUses.PLAIN; // nothing masked in it: nothing to follow
        }
        try {
            return key ? ExpressionUses.key(expr.tokens, r.byStart(), r.values()::get, found::add)
                    : ExpressionUses.value(expr.tokens, r.byStart(), r.values()::get, found::add);
        } catch (ExpressionUses.Unreadable | IndexOutOfBoundsException e) {
            for (BaseColumn c : r.tainted()) {
                found.add(ValueUse.other(c, "uses masked column %s in an expression pgwarden cannot read ("
                        + e.getMessage() + ")"));
            }
            return new Value(r.tainted(), null, false, false, null, null);
        }
    }

    private List<Value> windowKeys(PlanNode node, Expression w) {
        if (w.syntaxError != null) {
            return List.of(read(node, w, true));
        }
        Reading r = reading(node, w);
        try {
            return ExpressionUses.windowKeys(w.tokens, r.byStart(), r.values()::get, found::add);
        } catch (ExpressionUses.Unreadable | IndexOutOfBoundsException e) {
            return List.of(new Value(r.tainted(), null, false, false, null, null));
        }
    }

    private Value leafValue(Leaf leaf) {
        if (leaf.item() != null && leaf.item().type() == ItemType.PARAM && !lineage.isExecParam(leaf.item().number())) {
            int n = leaf.item().number();
            // A parameter the client binds; an InitPlan's output of the same number was ruled out above.
            return shape.isClientParameter(n) ? new Value(Set.of(), null, true, false, null, "$" + n)
                    : ExpressionUses.PLAIN;
        }
        return new Value(maskedOf(leaf.lineage()), leaf.identity(), false, false, null, null);
    }

    private Set<BaseColumn> maskedOf(OutputLineage l) {
        Set<BaseColumn> out = null;
        for (BaseColumn c : l.columns()) {
            if (masked.masked(c)) {
                (out == null ? out = new HashSet<>() : out).add(c);
            }
        }
        for (BaseTable t : l.wholeRows()) {
            Set<BaseColumn> m = masked.maskedOf(t);
            if (!m.isEmpty()) {
                (out == null ? out = new HashSet<>() : out).addAll(m);
            }
        }
        return out == null ? Set.of() : out;
    }

    // ------------------------------------------------------------------ comparisons no expression shows

    /**
     * PostgreSQL 15 prints an IN/ANY/ALL subquery (and an EXISTS it turned into one) as
     * {@code (hashed SubPlan n)}: the comparison of this node's values with the subquery's rows is
     * not shown. When the statement has such a subquery and masked data is at hand here, assume it
     * is compared.
     */
    private void hiddenTest(PlanNode node, int subPlan) {
        Set<BaseColumn> columns = shape.mayCompareInSubqueries() ? availableAt(node) : Set.of();
        if (columns.isEmpty() || !hiddenTestsReported.add(subPlan)) {
            return;
        }
        String names = columns.size() == 1 ? "masked column " + columns.iterator().next()
                : "masked columns " + String.join(", ", columns.stream().map(BaseColumn::toString).toList());
        found.add(new ValueUse(ValueUse.Kind.OTHER, columns.iterator().next(), "may compare " + names
                + " with a subquery (IN, ANY, ALL or EXISTS), a comparison PostgreSQL's plan does not show;"
                + " write it as a join", null));
    }

    private void implicitComparisons(PlanNode node) {
        switch (node.type == null ? "" : node.type) {
            case "SetOp" -> {
                String command = node.field("Command");
                for (PlanNode child : node.dataChildren) {
                    refuseEntries(child, "compares masked column %s with "
                            + (command == null ? "INTERSECT or EXCEPT" : command.toUpperCase(java.util.Locale.ROOT)));
                }
            }
            case "Unique" -> {
                for (PlanNode child : node.dataChildren) {
                    if (!SORTED_INPUT.contains(child.type)) {
                        refuseEntries(child, "compares masked column %s to remove duplicates (DISTINCT, UNION)");
                    }
                }
            }
            case "Recursive Union" -> refuseEntries(node,
                    "compares masked column %s in a recursive query (WITH RECURSIVE ... UNION)");
            case "Index Scan", "Index Only Scan" -> indexOrder(node);
            default -> {
            }
        }
    }

    /**
     * An index scan returns rows in the index's order. When the index reads a masked column that its
     * condition does not pin to one value, and that order reaches the client or something that turns
     * it into data (LIMIT, a window, DISTINCT, an aggregate that keeps input order), it ranks the values.
     */
    private void indexOrder(PlanNode node) {
        if (node.relationName == null || node.schema == null) {
            return;
        }
        String index = node.field("Index Name");
        Set<BaseColumn> reads = index == null ? null : masked.indexColumns(node.schema, index);
        Set<BaseColumn> maskedKeys = new TreeSet<>();
        if (reads == null) {
            unknownIndexes.add(node.schema + "." + index);
            maskedKeys.addAll(masked.maskedOf(new BaseTable(node.schema, node.relationName)));
        } else {
            for (BaseColumn c : reads) {
                if (masked.masked(c)) {
                    maskedKeys.add(c);
                }
            }
        }
        if (maskedKeys.isEmpty()) {
            return;
        }
        String cond = node.field("Index Cond");
        if (cond != null) {
            List<ValueUse> pinning = new ArrayList<>();
            Expression e = Expression.parse(cond);
            if (e.syntaxError == null) {
                Reading r = reading(node, e);
                try {
                    ExpressionUses.value(e.tokens, r.byStart(), r.values()::get, pinning::add);
                } catch (ExpressionUses.Unreadable | IndexOutOfBoundsException ignored) {
                    pinning.clear(); // reported when the condition itself was read
                }
            }
            for (ValueUse u : pinning) {
                boolean isNull = u.kind() == ValueUse.Kind.NULL_TEST && !u.action().contains("IS NOT NULL");
                if (u.kind() == ValueUse.Kind.LOOKUP || isNull) {
                    maskedKeys.remove(u.column()); // one value (or the client's few): no order among them to see
                }
            }
        }
        if (!maskedKeys.isEmpty() && orderObservable(node)) {
            for (BaseColumn c : first(maskedKeys)) {
                found.add(ValueUse.other(c, "orders by masked column %s (through index " + index + ")"));
            }
        }
    }

    private boolean orderObservable(PlanNode scan) {
        for (PlanNode child = scan, p = scan.parent; p != null; child = p, p = p.parent) {
            if (child.isSubplan()) {
                return true; // ARRAY(SELECT ...), the first row of a scalar subquery
            }
            if (REORDERING.contains(p.type)) {
                return false;
            }
            if (ORDER_CONSUMING.contains(p.type)) {
                return true;
            }
            if ("Aggregate".equals(p.type)) {
                return !orderBlind(p);
            }
        }
        return true;
    }

    private static boolean orderBlind(PlanNode aggregate) {
        if (aggregate.output == null) {
            return true;
        }
        for (Expression e : aggregate.output) {
            for (Expression.Item it : e.items) {
                if (it.type() == ItemType.FUNC && !ORDER_BLIND_AGGREGATES.contains(it.name())) {
                    return false;
                }
            }
        }
        return true;
    }

    // ------------------------------------------------------------------ writes

    /** Values written into a table are not the result: a masked one would be readable unmasked there. */
    private void writes(PlanNode node) {
        if (node == root && shape.resultIsWritten()) {
            refuseEntries(node, "writes masked column %s into a new table (CREATE TABLE AS, SELECT INTO)");
        }
        PlanNode target = node.parent;
        if (target == null || !"ModifyTable".equals(target.type) || node.isSubplan()
                || "Delete".equals(target.operation)) {
            return;
        }
        boolean insert = "Insert".equals(target.operation);
        String table = (target.schema == null ? "" : target.schema + ".") + target.relationName;
        for (Entry e : lineage.outputs(node)) {
            Expression.Item sole = e.expr() == null ? null : e.expr().soleReference();
            if (!insert && sole != null && (sole.wholeRow() || SYSTEM_COLUMNS.contains(sole.name()))) {
                continue; // which row to change, not what to write
            }
            refuse(maskedOf(e.lineage()), "writes masked column %s into table " + table);
        }
    }

    // ------------------------------------------------------------------ helpers

    private void refuseEntries(PlanNode node, String action) {
        Set<BaseColumn> all = new TreeSet<>();
        for (Entry e : lineage.outputs(node)) {
            all.addAll(maskedOf(e.lineage()));
        }
        refuse(all, action);
    }

    private void refuse(Value v, String action) {
        refuse(v.masked(), action);
    }

    private void refuse(Set<BaseColumn> columns, String action) {
        for (BaseColumn c : new TreeSet<>(columns)) {
            found.add(ValueUse.other(c, action));
        }
    }

    /** Masked data a node's expressions can reach: its relation's, its inputs', and (as parameters) its ancestors'. */
    private Set<BaseColumn> availableAt(PlanNode node) {
        Set<BaseColumn> done = available.get(node);
        if (done != null) {
            return done;
        }
        Set<BaseColumn> out = new TreeSet<>();
        if (node.relationName != null && node.schema != null) {
            out.addAll(masked.maskedOf(new BaseTable(node.schema, node.relationName)));
        }
        for (PlanNode child : node.dataChildren) {
            for (Entry e : lineage.outputs(child)) {
                out.addAll(maskedOf(e.lineage()));
            }
        }
        if (node.parent != null) {
            out.addAll(availableAt(node.parent));
        }
        available.put(node, out);
        return out;
    }

    private static Set<BaseColumn> first(Set<BaseColumn> columns) {
        return columns.isEmpty() ? Set.of() : Set.of(columns.iterator().next());
    }

    private static List<String> strings(JsonNode node) {
        List<String> out = new ArrayList<>();
        collect(node, out);
        return out;
    }

    private static void collect(JsonNode node, List<String> out) {
        if (node == null) {
            return;
        }
        if (node.isTextual()) {
            out.add(node.asText());
        } else if (node.isArray()) {
            node.forEach(n -> collect(n, out));
        } else if (node.isObject()) {
            node.fields().forEachRemaining(f -> {
                if (f.getKey().contains("Key")) {
                    collect(f.getValue(), out);
                }
            });
        }
    }
}
