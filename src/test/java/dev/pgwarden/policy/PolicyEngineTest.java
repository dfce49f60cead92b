package dev.pgwarden.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.pgwarden.lineage.PlannerFallback;
import dev.pgwarden.lineage.PlannerLineage;
import dev.pgwarden.sql.ColumnRef;
import dev.pgwarden.sql.FunctionName;
import dev.pgwarden.sql.StatementKind;
import dev.pgwarden.sql.TableName;

class PolicyEngineTest {
    static final PolicyPrincipal ANALYST = new PolicyPrincipal("alice", Set.of("analysts"));
    static final PolicyPrincipal SUPPORT = new PolicyPrincipal("sam", Set.of("support"));
    static final PolicyPrincipal ADMIN = new PolicyPrincipal("root", Set.of("admins"));
    static final PolicyPrincipal NOBODY = new PolicyPrincipal("nobody", Set.of());

    static StatementAnalyzer analyzer;
    static PolicyEngine example;
    static PolicyEngine full;

    @BeforeAll
    static void start() throws Exception {
        analyzer = new StatementAnalyzer();
        example = new PolicyEngine(PolicyLoaderTest.resource("example.yaml"), analyzer);
        full = new PolicyEngine(PolicyLoaderTest.resource("full.yaml"), analyzer);
    }

    @AfterAll
    static void stop() {
        analyzer.close();
    }

    static PolicyEngine engine(String yaml) throws PolicyException {
        return new PolicyEngine(PolicyLoader.parse(yaml.getBytes(StandardCharsets.UTF_8), "test.yaml"), analyzer);
    }

    /** An estimator that counts its calls. */
    static final class Rows implements Estimator {
        final long rows;
        final List<String> asked = new ArrayList<>();

        Rows(long rows) {
            this.rows = rows;
        }

        @Override
        public long estimate(String sql) {
            asked.add(sql);
            return rows;
        }
    }

    static void blocked(Decision d, Decision.Basis basis) {
        assertEquals(Action.BLOCK, d.action(), d::toString);
        assertEquals(basis, d.basis(), d::toString);
        assertEquals("42501", d.sqlState());
    }

    // ---- pgwarden's own refusals ----------------------------------------------------------------------

    @Test
    void roleChangesAreAlwaysRefused() {
        for (String sql : List.of("SET ROLE postgres", "set local role admin", "RESET ROLE",
                "SET SESSION AUTHORIZATION postgres", "RESET ALL", "DISCARD ALL",
                "SELECT set_config('role','postgres',false)", "SELECT set_config('ro'||'le','postgres',false)",
                "SELECT 1; SET ROLE postgres", "BEGIN; SELECT set_config('role', 'x', true); COMMIT")) {
            // even for principals whose rules allow everything
            Decision d = full.decide(ADMIN, sql, Estimator.NONE);
            blocked(d, Decision.Basis.ROLE_CHANGE);
            Text.contains(d.message(), "pgwarden does not let a session change its role");
            assertNull(d.rule());
        }
    }

    @Test
    void settingsThatChangeHowSqlIsReadAreRefused() {
        blocked(full.decide(ADMIN, "SET standard_conforming_strings = off", Estimator.NONE),
                Decision.Basis.GATEWAY_SETTING);
        blocked(full.decide(ADMIN, "SET client_encoding = 'SJIS'", Estimator.NONE), Decision.Basis.GATEWAY_SETTING);
        assertEquals(Action.ALLOW, full.decide(ADMIN, "SET client_encoding = 'UTF8'", Estimator.NONE).action());
    }

    @Test
    void unreadableStatementsFailClosed() {
        for (String sql : List.of("SELEC * FROM customers", "SELECT * FROM WHERE", "this is not sql",
                "SELECT 'unterminated")) {
            Decision d = full.decide(ADMIN, sql, Estimator.NONE);
            blocked(d, Decision.Basis.UNANALYSABLE);
            Text.startsWith(d.message(), "pgwarden could not analyse this statement: ");
            Text.contains(d.message(), "; it was refused");
        }
        // one unreadable statement refuses the whole string
        blocked(full.decide(ADMIN, "SELECT 1; garbage; SELECT 2", Estimator.NONE), Decision.Basis.UNANALYSABLE);
    }

    @Test
    void thePlannerFallbackCanReadWhatTheParserCannot() throws Exception {
        String sql = "SELECT * FROM ROWS FROM (generate_series(1, 3), unnest(ARRAY[1])) AS t(a, b)";
        blocked(full.decide(ADMIN, sql, DecisionContext.NONE), Decision.Basis.UNANALYSABLE);

        List<String> explained = new ArrayList<>();
        PlannerFallback planner = q -> {
            explained.add(q);
            return new PlannerLineage(Set.of(), Set.of(), Set.of(),
                    Set.of(new FunctionName("pg_catalog", "generate_series")));
        };
        Decision d = full.decide(ADMIN, sql, new DecisionContext(Estimator.NONE, planner, null));
        assertEquals(Action.ALLOW, d.action());
        assertEquals(List.of(sql), explained);

        // what the planner reports is subject to the rules
        PlannerFallback audit = q -> new PlannerLineage(Set.of(), Set.of(new TableName("audit", "log")), Set.of(),
                Set.of());
        Decision a = full.decide(SUPPORT, sql, new DecisionContext(Estimator.NONE, audit, null));
        assertEquals("audit-is-sacred", a.rule());

        PlannerFallback failing = q -> {
            throw new IllegalStateException("syntax error at or near \"ROWS\"");
        };
        Decision f = full.decide(ADMIN, sql, new DecisionContext(Estimator.NONE, failing, null));
        blocked(f, Decision.Basis.UNANALYSABLE);
        Text.contains(f.message(), "the planner could not say either", "syntax error at or near");
    }

    @Test
    void unknownConditionsAreReadRestrictively() throws Exception {
        String sql = "SELECT * FROM ROWS FROM (generate_series(1, 3)) AS t(a)";
        PlannerFallback planner = q -> new PlannerLineage(Set.of(), Set.of(TableName.unqualified("t")), Set.of(),
                Set.of());
        DecisionContext ctx = new DecisionContext(Estimator.NONE, planner, null);
        // the planner cannot say whether there is a WHERE: an allow rule needing "no_where" does not match ...
        PolicyEngine allow = engine("""
                rules:
                  - name: allow-whole-table
                    match: {no_where: true}
                    action: allow
                default: block
                """);
        assertEquals(Decision.Basis.DEFAULT, allow.decide(NOBODY, sql, ctx).basis());
        // ... and a block rule does
        PolicyEngine block = engine("""
                rules:
                  - name: no-whole-table
                    match: {no_where: true}
                    action: block
                """);
        assertEquals("no-whole-table", block.decide(NOBODY, sql, ctx).rule());
    }

    // ---- rules ---------------------------------------------------------------------------------------

    @Test
    void firstMatchWins() throws Exception {
        String both = """
                rules:
                  - name: %s
                    match: {tables: [customers]}
                    action: %s
                  - name: %s
                    match: {statement: select}
                    action: %s
                default: allow
                """;
        PolicyEngine blockFirst = engine(both.formatted("first", "block", "second", "allow"));
        Decision d = blockFirst.decide(NOBODY, "SELECT * FROM customers", Estimator.NONE);
        assertEquals("first", d.rule());
        assertEquals(Action.BLOCK, d.action());
        assertEquals("statement blocked by policy rule 'first'", d.message());

        PolicyEngine allowFirst = engine(both.formatted("first", "allow", "second", "block"));
        Decision a = allowFirst.decide(NOBODY, "SELECT * FROM customers", Estimator.NONE);
        assertEquals("first", a.rule());
        assertEquals(Action.ALLOW, a.action());
        assertNull(a.message());
        assertNull(a.sqlState());
        // the second rule still catches what the first does not
        assertEquals("second", allowFirst.decide(NOBODY, "SELECT * FROM orders", Estimator.NONE).rule());
    }

    @Test
    void theDefaultActionAppliesWhenNothingMatches() throws Exception {
        PolicyEngine closed = engine("""
                rules:
                  - name: reads
                    match: {statement: select}
                    action: allow
                default: block
                """);
        Decision d = closed.decide(NOBODY, "UPDATE t SET a = 1 WHERE id = 1", Estimator.NONE);
        blocked(d, Decision.Basis.DEFAULT);
        assertEquals("statement blocked by the policy's default action", d.message());
        assertNull(d.rule());
        Decision open = example.decide(NOBODY, "UPDATE t SET a = 1 WHERE id = 1", Estimator.NONE);
        assertEquals(Action.ALLOW, open.action());
        assertEquals(Decision.Basis.DEFAULT, open.basis());
    }

    @Test
    void theExamplePolicy() {
        Decision del = example.decide(ANALYST, "DELETE FROM customers WHERE id = 7", Estimator.NONE);
        assertEquals(Action.BLOCK, del.action());
        assertEquals("agents-read-only", del.rule());
        assertEquals("agents are read-only", del.message());
        assertEquals(example.policy().version(), del.policyVersion());
        assertEquals(Set.of(StatementKind.DELETE), del.kinds());
        assertEquals(Set.of(TableName.unqualified("customers")), del.tables());

        // support is also read-only; people in neither group are not
        assertEquals(Action.BLOCK, example.decide(SUPPORT, "TRUNCATE customers", Estimator.NONE).action());
        assertEquals(Action.ALLOW, example.decide(NOBODY, "TRUNCATE customers", Estimator.NONE).action());
        assertEquals(Action.BLOCK, example.decide(ANALYST, "CALL purge()", Estimator.NONE).action());
        assertEquals(Action.BLOCK,
                example.decide(ANALYST, "DO $$ BEGIN NULL; END $$", Estimator.NONE).action());
        assertEquals(Action.BLOCK, example.decide(ANALYST, "CREATE TABLE x (a int)", Estimator.NONE).action());
        // a data-changing CTE is a delete, whatever the main statement
        assertEquals("agents-read-only", example.decide(ANALYST,
                "WITH d AS (DELETE FROM orders RETURNING id) SELECT count(*) FROM d", new Rows(1)).rule());
        // EXPLAIN ANALYZE runs what it explains; EXPLAIN alone does not
        assertEquals(Action.BLOCK, example.decide(ANALYST, "EXPLAIN ANALYZE DELETE FROM orders", Estimator.NONE)
                .action());
        assertEquals(Action.ALLOW, example.decide(ANALYST, "EXPLAIN DELETE FROM orders", Estimator.NONE).action());

        // bulk export needs approval, for everyone: the first rule matches before the read-only one
        for (String sql : List.of("COPY customers TO STDOUT", "COPY (SELECT * FROM orders) TO STDOUT",
                "SELECT * INTO TEMP x FROM customers", "CREATE TABLE y AS SELECT * FROM customers")) {
            Decision d = example.decide(ANALYST, sql, new Rows(5));
            assertEquals(Action.REQUIRE_APPROVAL, d.action(), sql);
            assertEquals("no-bulk-export", d.rule(), sql);
            assertEquals("statement requires approval under policy rule 'no-bulk-export'", d.message());
        }
    }

    @Test
    void theEstimatorIsAskedOnlyWhenARuleNeedsIt() {
        Rows big = new Rows(250_000);
        Decision d = example.decide(ANALYST, "SELECT * FROM orders", big);
        assertEquals(Action.REQUIRE_APPROVAL, d.action());
        assertEquals("big-selects", d.rule());
        assertEquals(OptionalLong.of(250_000), d.estimatedRows());
        assertEquals(OptionalInt.of(30), d.grantMinutes());
        assertEquals(List.of("SELECT * FROM orders"), big.asked);

        Rows small = new Rows(12);
        Decision s = example.decide(ANALYST, "SELECT * FROM orders WHERE total > 10", small);
        assertEquals(Action.ALLOW, s.action());
        assertEquals(OptionalLong.of(12), s.estimatedRows());
        StreamLimit held = s.streamLimitOf(0);
        assertEquals("big-selects", held.rule(), "allowed under the threshold: the stream is held to it");
        assertEquals(100_000, held.rows());
        assertEquals(Action.REQUIRE_APPROVAL, held.action());

        // a LIMIT is no reason to skip the estimate: a LIMIT 1 can fold a whole table into its one row
        Rows folded = new Rows(1_000_000);
        assertEquals(Action.REQUIRE_APPROVAL,
                example.decide(ANALYST, "SELECT json_agg(o) FROM orders o LIMIT 100", folded).action());
        assertEquals(List.of("SELECT json_agg(o) FROM orders o LIMIT 100"), folded.asked);
        // earlier rules decide first; statements that are not selects never need it
        Rows unused = new Rows(1_000_000);
        assertEquals(Action.BLOCK, example.decide(ANALYST, "DELETE FROM orders", unused).action());
        assertEquals(Action.ALLOW, example.decide(NOBODY, "INSERT INTO t VALUES (1)", unused).action());
        assertEquals(Action.ALLOW, example.decide(NOBODY, "SHOW work_mem", unused).action());
        assertEquals(List.of(), unused.asked);

        // COPY's estimate is of the query it runs
        Rows copy = new Rows(1);
        PolicyEngine copies = new PolicyEngine(new Policy(List.of(), MaskingSection.NONE, List.of(new Rule("big",
                List.of(), new RuleMatch(Set.of(StatementKind.COPY_OUT), Set.of(StatementKind.COPY_OUT), List.of(),
                        List.of(), List.of(), false, false, false, 10), Action.BLOCK, null, 0, 1)),
                Action.ALLOW, "v", "mem"), analyzer);
        copies.decide(NOBODY, "COPY customers (id, name) TO STDOUT", copy);
        assertEquals(List.of("SELECT id, name FROM customers"), copy.asked);
    }

    @Test
    void aFailingEstimatorCountsAsOverTheLimit() {
        Estimator broken = sql -> {
            throw new IllegalStateException("upstream gone");
        };
        Decision d = example.decide(ANALYST, "SELECT * FROM orders", broken);
        assertEquals(Action.REQUIRE_APPROVAL, d.action());
        assertEquals(OptionalLong.empty(), d.estimatedRows());
    }

    @Test
    void tableColumnAndFunctionPatterns() {
        // audit.* for everyone but admins
        assertEquals("audit-is-sacred", full.decide(SUPPORT, "SELECT * FROM audit.log LIMIT 1", Estimator.NONE).rule());
        assertEquals("admins-anything", full.decide(ADMIN, "SELECT * FROM audit.log", Estimator.NONE).rule());
        // *.customers without LIMIT needs approval for analysts; with LIMIT it goes on to the next rules
        assertEquals("no-unbounded-customer-reads",
                full.decide(ANALYST, "SELECT name FROM crm.customers", Estimator.NONE).rule());
        Decision limited = full.decide(ANALYST, "SELECT name FROM crm.customers LIMIT 5", new Rows(5));
        assertEquals(Action.ALLOW, limited.action());
        // columns: *.ssn anywhere, also through a star
        assertEquals("ssn-needs-approval", full.decide(NOBODY, "SELECT ssn FROM hr.staff LIMIT 1", Estimator.NONE).rule());
        assertEquals("ssn-needs-approval",
                full.decide(NOBODY, "SELECT s.* FROM hr.staff s WHERE id = 1 LIMIT 1", Estimator.NONE).rule());
        // functions: by name in any schema, or by pattern
        assertEquals("no-file-access", full.decide(NOBODY, "SELECT pg_read_file('/etc/passwd')", Estimator.NONE).rule());
        assertEquals("no-file-access",
                full.decide(NOBODY, "SELECT pg_catalog.pg_read_file('/etc/passwd')", Estimator.NONE).rule());
        assertEquals("no-file-access", full.decide(NOBODY, "SELECT lo_export(1, '/tmp/x')", Estimator.NONE).rule());
        assertEquals("server file access is not allowed",
                full.decide(NOBODY, "SELECT pg_read_binary_file('x')", Estimator.NONE).message());
        // unqualified pg_ names are also the catalog's
        PolicyPrincipal p = NOBODY;
        Decision catalog = engineUnchecked("""
                rules:
                  - name: no-authid
                    match: {tables: [pg_catalog.pg_authid]}
                    action: block
                """).decide(p, "SELECT rolpassword FROM pg_authid", Estimator.NONE);
        assertEquals("no-authid", catalog.rule());
    }

    static PolicyEngine engineUnchecked(String yaml) {
        try {
            return engine(yaml);
        } catch (PolicyException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void noWhere() {
        assertEquals("no-blind-writes", full.decide(NOBODY, "UPDATE orders SET total = 0", Estimator.NONE).rule());
        assertEquals("no-blind-writes", full.decide(NOBODY, "DELETE FROM orders", Estimator.NONE).rule());
        // TRUNCATE is a delete without WHERE
        assertEquals("no-blind-writes", full.decide(NOBODY, "TRUNCATE orders", Estimator.NONE).rule());
        assertEquals(Action.ALLOW, full.decide(NOBODY, "DELETE FROM orders WHERE id = 1", Estimator.NONE).action());
    }

    @Test
    void derivedValuesOfMaskedColumns() {
        // on_derived: block (full.yaml) refuses even what a rule allows
        Decision d = full.decide(ADMIN, "SELECT upper(ssn) FROM customers", Estimator.NONE);
        blocked(d, Decision.Basis.DERIVED_MASKED);
        Text.contains(d.message(), "public.customers.ssn");
        blocked(full.decide(ADMIN, "SELECT to_jsonb(c) FROM customers c", Estimator.NONE), Decision.Basis.DERIVED_MASKED);
        blocked(full.decide(ADMIN, "SELECT card_number FROM a.cards UNION SELECT 'x'", Estimator.NONE),
                Decision.Basis.DERIVED_MASKED);
        // a masked column read as-is is masked downstream by lineage, not refused
        assertEquals(Action.ALLOW, full.decide(ADMIN, "SELECT ssn FROM customers", Estimator.NONE).action());

        // on_derived: mask (example.yaml) lets it through and lists what to mask
        Decision m = example.decide(ANALYST, "SELECT upper(ssn), name FROM customers LIMIT 5", new Rows(5));
        assertEquals(Action.ALLOW, m.action());
        assertEquals(Set.of(new ColumnRef(TableName.unqualified("customers"), "ssn")), m.derivedMasked());
    }

    @Test
    void executeIsDecidedAsItsPreparedStatement() {
        PreparedStatements session = name -> Optional.ofNullable(Map.of(
                "del", "DELETE FROM orders WHERE id = $1",
                "get", "SELECT * FROM orders WHERE id = $1").get(name));
        Rows rows = new Rows(1);
        DecisionContext ctx = new DecisionContext(rows, null, session);

        Decision del = example.decide(ANALYST, "EXECUTE del(1)", ctx);
        assertEquals("agents-read-only", del.rule());
        Decision get = example.decide(ANALYST, "EXECUTE get(1)", ctx);
        assertEquals(Action.ALLOW, get.action());
        // the estimate is of the EXECUTE, which the planner can explain with its arguments
        assertEquals(List.of("EXECUTE get(1)"), rows.asked);

        Decision unknown = example.decide(ANALYST, "EXECUTE nope", ctx);
        blocked(unknown, Decision.Basis.UNKNOWN_PREPARED);
        Text.contains(unknown.message(), "\"nope\"");
        blocked(example.decide(ANALYST, "EXECUTE get(1)", Estimator.NONE), Decision.Basis.UNKNOWN_PREPARED);

        // an EXECUTE may use a PREPARE earlier in the same query string
        assertEquals(Action.ALLOW, example.decide(ANALYST, "PREPARE y AS SELECT 1; EXECUTE y", ctx).action());
        blocked(example.decide(ANALYST, "DEALLOCATE ALL; EXECUTE get(1)", ctx), Decision.Basis.UNKNOWN_PREPARED);

        // PREPARE itself is decided as its statement, without an estimate
        Rows never = new Rows(1_000_000);
        assertEquals(Action.BLOCK, example.decide(ANALYST, "PREPARE d AS DELETE FROM orders", never).action());
        assertEquals(Action.ALLOW,
                example.decide(ANALYST, "PREPARE s AS SELECT * FROM orders WHERE id = $1", never).action());
        assertEquals(List.of(), never.asked);
    }

    @Test
    void aWholeQueryStringIsAsStrictAsItsStrictestStatement() {
        Rows counting = new Rows(1_000_000);
        Decision d = example.decide(ANALYST, "SELECT 1; SELECT * FROM orders; DELETE FROM orders; SELECT * FROM t",
                counting);
        assertEquals(Action.BLOCK, d.action());
        assertEquals("agents-read-only", d.rule());
        assertEquals(Set.of(StatementKind.SELECT, StatementKind.DELETE), d.kinds());
        assertEquals(Set.of(TableName.unqualified("orders"), TableName.unqualified("t")), d.tables());
        // statements after the refused one are not estimated
        assertEquals(List.of("SELECT 1", "SELECT * FROM orders"), counting.asked);

        Decision approval = example.decide(ANALYST, "SELECT 1; SELECT * FROM orders", new Rows(1_000_000));
        assertEquals(Action.REQUIRE_APPROVAL, approval.action());
        assertEquals("big-selects", approval.rule());
    }

    @Test
    void extendedProtocolParseTakesOneStatement() {
        Decision one = example.decideStatement(ANALYST, "SELECT * FROM orders WHERE id = $1;", new Rows(1));
        assertEquals(Action.ALLOW, one.action());
        blocked(example.decideStatement(ANALYST, "SELECT 1; SELECT 2", Estimator.NONE), Decision.Basis.UNANALYSABLE);
        blocked(example.decideStatement(ADMIN, "SET ROLE postgres", Estimator.NONE), Decision.Basis.ROLE_CHANGE);
    }

    @Test
    void anEmptyQueryIsAllowed() {
        Decision d = example.decide(ANALYST, " -- nothing\n", Estimator.NONE);
        assertEquals(Action.ALLOW, d.action());
        assertEquals(Decision.Basis.EMPTY, d.basis());
    }
}
