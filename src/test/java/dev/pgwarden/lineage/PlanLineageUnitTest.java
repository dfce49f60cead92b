package dev.pgwarden.lineage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

/** Hand-written EXPLAIN documents for shapes that are awkward to get from a live planner. */
class PlanLineageUnitTest {

    private static final BaseColumn SSN = BaseColumn.of("public", "customers", "ssn");
    private static final BaseColumn NAME = BaseColumn.of("public", "customers", "name");

    @Test
    void textInsideLiteralsAndCastsIsNotAColumn() {
        Lineage l = PlanLineage.fromExplainJson(plan(scan("customers", "c",
                "'c.ssn'::text", "E'\\\\'' || c.name'::text", "(c.name)::timestamp with time zone",
                "(c.ssn)::character varying(20)", "c.name COLLATE \"C\"", "foo(x => c.name)")));
        assertTrue(l.output(0).isConstant());
        assertTrue(l.output(1).isConstant());
        assertEquals(Set.of(NAME), l.output(2).columns());
        assertEquals(Set.of(SSN), l.output(3).columns());
        assertEquals(Set.of(NAME), l.output(4).columns());
        assertEquals(Set.of(NAME), l.output(5).columns());
        assertTrue(l.output(5).opaque(), "foo is unknown");
    }

    @Test
    void quotedIdentifiers() {
        String json = plan("""
                {"Node Type": "Seq Scan", "Relation Name": "Odd \\"T\\"", "Schema": "S.1", "Alias": "a.b",
                 "Output": ["\\"a.b\\".\\"Col \\"\\"x\\"\\"\\"", "\\"a.b\\".*", "lower(\\"a.b\\".\\"SubPlan\\")"]}
                """);
        Lineage l = PlanLineage.fromExplainJson(json);
        assertEquals(Set.of(BaseColumn.of("S.1", "Odd \"T\"", "Col \"x\"")), l.output(0).columns());
        assertTrue(l.output(1).wholeRow("S.1", "Odd \"T\""));
        assertEquals(Set.of(BaseColumn.of("S.1", "Odd \"T\"", "SubPlan")), l.output(2).columns());
    }

    @Test
    void parentOfAnAppendSeesTheFirstBranchTextButGetsEveryBranch() {
        String json = plan("""
                {"Node Type": "Sort", "Output": ["customers.name", "(lower(customers.name))"],
                 "Plans": [{"Node Type": "Append", "Parent Relationship": "Outer", "Plans": [
                   %s, %s]}]}
                """.formatted(member(scan("customers", "customers", "customers.name", "lower(customers.name)")),
                member(scan("customers", "c2", "c2.ssn", "c2.name"))));
        Lineage l = PlanLineage.fromExplainJson(json);
        assertEquals(Set.of(NAME, SSN), l.output(0).columns());
        assertEquals(Set.of(NAME), l.output(1).columns());
        assertFalse(l.output(1).approximate());
    }

    @Test
    void ambiguousParenthesesOverASetOperationKeepBothReadings() {
        // "(lower(customers.name))::text" may be a cast of Append output 1, or this node's own
        // lower() of output 0 (which is ssn in the second branch): both must count.
        String json = plan("""
                {"Node Type": "Result", "Output": ["(lower(customers.name))::text"],
                 "Plans": [{"Node Type": "Append", "Parent Relationship": "Outer", "Plans": [
                   %s, %s]}]}
                """.formatted(member(scan("customers", "customers", "customers.name", "lower(customers.name)")),
                member(scan("customers", "c2", "c2.ssn", "c2.name"))));
        assertEquals(Set.of(NAME, SSN), PlanLineage.fromExplainJson(json).output(0).columns());
    }

    @Test
    void subqueryColumnsAreNotMatchedByName() {
        // SELECT name FROM (SELECT ssn AS name, name AS ssn FROM customers OFFSET 0) s
        String json = plan("""
                {"Node Type": "Subquery Scan", "Alias": "s", "Output": ["s.name"],
                 "Plans": [%s]}
                """.formatted(scan("customers", "customers", "customers.ssn", "customers.name")
                .replaceFirst("\\{", "{\"Parent Relationship\": \"Subquery\", ")));
        OutputLineage o = PlanLineage.fromExplainJson(json).output(0);
        assertTrue(o.derivesFrom(SSN), o.toString());
        assertTrue(o.approximate());
    }

    @Test
    void initPlanOutputsInBothSpellings() {
        String pg15 = plan("""
                {"Node Type": "Result", "Output": ["$0", "$1"], "Plans": [
                  {"Node Type": "Limit", "Parent Relationship": "InitPlan", "Subplan Name": "InitPlan 1 (returns $0,$1)",
                   "Output": ["customers.ssn", "customers.name"], "Plans": [%s]}]}
                """.formatted(outer(scan("customers", "customers", "customers.ssn", "customers.name"))));
        Lineage l15 = PlanLineage.fromExplainJson(pg15);
        assertEquals(Set.of(SSN), l15.output(0).columns());
        assertEquals(Set.of(NAME), l15.output(1).columns());

        String pg17 = plan("""
                {"Node Type": "Result", "Output": ["(InitPlan 1).col2"], "Plans": [
                  {"Node Type": "Limit", "Parent Relationship": "InitPlan", "Subplan Name": "InitPlan 1",
                   "Output": ["customers.ssn", "customers.name"], "Plans": [%s]}]}
                """.formatted(outer(scan("customers", "customers", "customers.ssn", "customers.name"))));
        assertEquals(Set.of(NAME), PlanLineage.fromExplainJson(pg17).output(0).columns());
    }

    @Test
    void untraceableParametersAndUnknownAliasesAreOpaque() {
        Lineage l = PlanLineage.fromExplainJson(plan(scan("customers", "c", "($1 || c.name)", "x.ssn", "(SubPlan 9)")));
        assertTrue(l.output(0).opaque());
        assertEquals(Set.of(NAME), l.output(0).columns());
        assertTrue(l.output(1).opaque());
        assertTrue(l.output(2).opaque());
        assertTrue(l.anyOpaque());
    }

    @Test
    void functionPolicyDecidesTransparency() {
        String json = plan(scan("customers", "customers", "public.mask(customers.ssn)", "upper(customers.ssn)"));
        Lineage strict = PlanLineage.fromExplainJson(json);
        assertTrue(strict.output(0).opaque());
        assertTrue(strict.output(0).opaqueReasons().first().contains("public.mask"));
        assertFalse(strict.output(1).opaque());

        Lineage relaxed = PlanLineage.fromExplainJson(json,
                FunctionPolicy.builtins().or(FunctionPolicy.allowing(List.of("public.mask"))));
        assertFalse(relaxed.output(0).opaque());
        assertEquals(Set.of(SSN), relaxed.output(0).columns());
    }

    @Test
    void malformedDocumentsFailClosed() {
        assertThrows(LineageException.class, () -> PlanLineage.fromExplainJson("not json"));
        assertThrows(LineageException.class, () -> PlanLineage.fromExplainJson("[]"));
        assertThrows(LineageException.class, () -> PlanLineage.fromExplainJson("[{\"Plan\": {}}, {\"Plan\": {}}]"));
        assertThrows(LineageException.class, () -> PlanLineage.fromExplainJson("[{\"Planning\": {}}]"));
        assertTrue(PlanLineage.fromExplainJson(plan(scan("customers", "c", "'unterminated"))).output(0).opaque());
    }

    @Test
    void acceptsABareObjectAndIsReusable() {
        String json = "{\"Plan\": " + scan("customers", "c", "c.ssn") + "}";
        Lineage a = PlanLineage.fromExplainJson(json);
        Lineage b = PlanLineage.fromExplainJson(json);
        assertEquals(a.outputs(), b.outputs());
        assertEquals(Set.of(SSN), a.columns(0));
    }

    // ------------------------------------------------------------------ tiny JSON builders

    private static String plan(String node) {
        return "[{\"Plan\": " + node + "}]";
    }

    private static String scan(String table, String alias, String... outputs) {
        StringBuilder out = new StringBuilder();
        for (String o : outputs) {
            out.append(out.length() == 0 ? "" : ", ").append('"').append(o.replace("\\", "\\\\").replace("\"", "\\\""))
                    .append('"');
        }
        return "{\"Node Type\": \"Seq Scan\", \"Relation Name\": \"" + table + "\", \"Schema\": \"public\", "
                + "\"Alias\": \"" + alias + "\", \"Output\": [" + out + "]}";
    }

    private static String member(String node) {
        return node.replaceFirst("\\{", "{\"Parent Relationship\": \"Member\", ");
    }

    private static String outer(String node) {
        return node.replaceFirst("\\{", "{\"Parent Relationship\": \"Outer\", ");
    }
}
