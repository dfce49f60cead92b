package dev.pgwarden.lineage;

import java.util.Objects;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Column lineage from PostgreSQL's own plan: which base columns each output column of a
 * statement derives from, whatever aliases, casts, expressions, views, CTEs, subqueries, set
 * operations or whole-row references sit in between.
 *
 * <p>Input is the single text value returned by {@code EXPLAIN (VERBOSE, FORMAT JSON) <stmt>}
 * (build it with {@link ExplainQuery#forStatement}); planning never executes the statement.
 * Views are expanded and SQL functions inlined by the planner, so their bodies are seen. Run
 * EXPLAIN as the role and search_path the statement will run with (views, RLS and function
 * resolution depend on them), and cache per (statement, role, search_path, schema version).
 *
 * <h2>Reported as opaque (fail closed)</h2>
 * <ul>
 *   <li>a call to a function the {@link FunctionPolicy} does not know (default:
 *       {@link FunctionPolicy#builtins()}): PL/pgSQL and other non-inlined functions, extension
 *       functions, {@code query_to_xml} and friends that run SQL, {@code dblink}, ... The
 *       arguments' columns are still listed;</li>
 *   <li>a Values Scan: EXPLAIN does not show multi-row {@code VALUES} lists, which may hold
 *       LATERAL column references or function calls;</li>
 *   <li>a {@code $n} parameter that is not an InitPlan output (bind parameters, unresolvable
 *       executor params); unknown SubPlan/InitPlan/CTE references;</li>
 *   <li>scans whose columns cannot be mapped (foreign joins pushed down, custom scans without a
 *       relation, named tuplestores), unknown aliases (e.g. {@code excluded} of ON CONFLICT),
 *       column references when the plan scans nothing (a provably empty {@code WHERE false});</li>
 *   <li>a reference through a set operation whose text could not be matched; unparseable text.</li>
 * </ul>
 * An opaque output may read <em>anything</em> the role can read: its listed columns are a lower
 * bound. {@link Lineage#scannedRelations()} lists what the plan reads directly, which is no bound
 * for functions.
 *
 * <h2>Reported as approximate (sound, possibly too wide)</h2>
 * A column of a Subquery Scan, CTE Scan or WorkTable Scan (a subquery PostgreSQL could not pull
 * up: LIMIT/OFFSET, window functions with an outer filter, DISTINCT, materialised or
 * multiply-referenced CTEs, recursive CTEs) is printed as {@code alias.column}, and EXPLAIN does
 * not say which child output that name is; neither names (renaming swaps columns) nor positions
 * (scans project in any order) are trustworthy. Such a column gets the union of all the child's
 * outputs, unless only one of them carries lineage (PostgreSQL replaces unused subquery outputs
 * by NULL, so single-column use stays exact). RETURNING of INSERT/UPDATE/MERGE likewise gets
 * the union of all new values. Combining with RowDescription's column origin can narrow this.
 *
 * <h2>Not tracked at all</h2>
 * <ul>
 *   <li>Control flow: WHERE, JOIN ... ON, HAVING, ORDER BY, LIMIT, GROUP BY keys,
 *       window PARTITION BY / ORDER BY (printed as {@code OVER (?)}), the hidden test of
 *       {@code IN}/{@code ANY}/{@code EXISTS} sublinks (PostgreSQL 15 prints only
 *       {@code (hashed SubPlan n)}). They decide which rows or ranks appear, so e.g.
 *       {@code rank() OVER (ORDER BY ssn)} or {@code WHERE ssn LIKE '1%'} leak order or
 *       membership, not values; {@link Lineage#scannedRelations()} shows such reads.</li>
 *   <li>Operators and casts are assumed transparent (an operator or cast backed by a malicious
 *       function needs CREATE rights an agent role should not have); likewise a user function
 *       shadowing a built-in's name on the search_path.</li>
 *   <li>Partitions and inheritance children are reported as themselves, not as their parent
 *       table: map them (pg_inherits / pg_partition_root) before applying column rules.</li>
 *   <li>Trailing resjunk outputs (see {@link Lineage}).</li>
 * </ul>
 *
 * <p>Cost: one Jackson tree parse plus a linear tokenization of each expression; typical plans
 * take well under a millisecond. Thread-safe (no shared mutable state).
 */
public final class PlanLineage {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private PlanLineage() {
    }

    /** Lineage with the built-in function allow-list. */
    public static Lineage fromExplainJson(String explainVerboseJson) {
        return fromExplainJson(explainVerboseJson, FunctionPolicy.builtins());
    }

    /**
     * @param explainVerboseJson the text of {@code EXPLAIN (VERBOSE, FORMAT JSON) ...}: a JSON
     *                           array holding one object with a {@code "Plan"} (a bare object
     *                           with {@code "Plan"} is accepted too)
     * @param functions          which functions pass their arguments' lineage through
     * @throws LineageException if the text is not such a document or holds several plans (a
     *                          statement rewritten by rules): fail closed
     */
    public static Lineage fromExplainJson(String explainVerboseJson, FunctionPolicy functions) {
        Objects.requireNonNull(functions, "functions");
        return new LineageAnalyzer(root(explainVerboseJson), functions).run();
    }

    /**
     * The lineage of a plan and what it does with masked columns' values besides returning them
     * (see {@link ValueUseAnalyzer}), read from the same EXPLAIN with the built-in function allow-list.
     *
     * @param lineage the result columns' lineage, as {@link #fromExplainJson(String)}
     * @param uses    every comparison, ordering, grouping, failing computation or write of a masked value
     */
    public record Analysis(Lineage lineage, ValueUses uses) {
    }

    /**
     * @param masked which columns are masked
     * @param shape  what the plan does not say about its statement
     * @throws LineageException as {@link #fromExplainJson(String, FunctionPolicy)}
     */
    public static Analysis analyze(String explainVerboseJson, MaskedColumns masked, StatementShape shape) {
        Objects.requireNonNull(masked, "masked");
        Objects.requireNonNull(shape, "shape");
        PlanNode root = root(explainVerboseJson);
        LineageAnalyzer lineage = new LineageAnalyzer(root, FunctionPolicy.builtins());
        Lineage result = lineage.run();
        return new Analysis(result, new ValueUseAnalyzer(root, lineage, masked, shape).run());
    }

    private static PlanNode root(String explainVerboseJson) {
        Objects.requireNonNull(explainVerboseJson, "explainVerboseJson");
        JsonNode doc;
        try {
            doc = MAPPER.readTree(explainVerboseJson);
        } catch (JsonProcessingException e) {
            throw new LineageException("EXPLAIN output is not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (doc != null && doc.isArray()) {
            if (doc.size() != 1) {
                throw new LineageException("expected exactly one plan, EXPLAIN returned " + doc.size());
            }
            doc = doc.get(0);
        }
        if (doc == null || !doc.isObject()) {
            throw new LineageException("EXPLAIN output is not a JSON plan document");
        }
        return PlanNode.tree(doc.get("Plan"));
    }
}
