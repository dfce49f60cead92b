package dev.pgwarden.lineage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;
import java.util.Set;
import java.util.TreeSet;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.pgwarden.testing.PostgresFixture;

/**
 * Runs real {@code EXPLAIN (VERBOSE, FORMAT JSON)} on PostgreSQL 15 and checks the lineage of
 * each way an agent could hide {@code customers.ssn}. Prints nothing; asserts only.
 */
class PlanLineageTest {

    private static final String SETUP = """
            DROP SCHEMA IF EXISTS lineage_t CASCADE;
            CREATE SCHEMA lineage_t;
            CREATE VIEW lineage_t.v_c AS SELECT id, name, ssn AS s FROM public.customers;
            CREATE VIEW lineage_t.v_c2 AS SELECT s AS hidden, name FROM lineage_t.v_c;
            CREATE VIEW lineage_t.v_c3 AS SELECT upper(hidden) AS h, name AS label FROM lineage_t.v_c2;
            CREATE FUNCTION lineage_t.f(text) RETURNS text LANGUAGE sql AS 'select $1';
            CREATE FUNCTION lineage_t.f_pl(t text) RETURNS text LANGUAGE plpgsql AS 'begin return t; end';
            CREATE FUNCTION lineage_t.secret_of(cid int) RETURNS text LANGUAGE plpgsql STABLE
                AS $$ begin return (select ssn from public.customers where id = cid); end $$;
            CREATE FUNCTION lineage_t.ssn_rows() RETURNS SETOF text LANGUAGE plpgsql
                AS $$ begin return query select ssn from public.customers; end $$;
            CREATE FUNCTION lineage_t.ssn_rows_sql() RETURNS SETOF text LANGUAGE sql STABLE
                AS 'select ssn from public.customers';
            CREATE TABLE lineage_t.events (id int, secret text, d date) PARTITION BY RANGE (d);
            CREATE TABLE lineage_t.events_2023 PARTITION OF lineage_t.events FOR VALUES FROM ('2023-01-01') TO ('2024-01-01');
            CREATE TABLE lineage_t.events_2024 PARTITION OF lineage_t.events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
            CREATE TABLE lineage_t."Weird Table" ("Weird Name" text, "select" text, id int);
            """;

    private static PostgresFixture pg;
    private static Connection conn;

    @BeforeAll
    static void setUp() throws SQLException {
        pg = PostgresFixture.shared();
        pg.execute(SETUP);
        conn = pg.superuserConnection();
    }

    @AfterAll
    static void tearDown() throws SQLException {
        if (conn != null) {
            conn.close();
        }
        if (pg != null) {
            pg.execute("DROP SCHEMA IF EXISTS lineage_t CASCADE");
        }
    }

    // ------------------------------------------------------------------ direct references

    @Test
    void plainColumn() throws SQLException {
        Lineage l = explain("SELECT ssn FROM customers");
        assertEquals(1, l.size());
        assertExact(l.output(0), cust("ssn"));
        assertEquals(Set.of(BaseTable.of("public", "customers")), l.scannedRelations());
    }

    @Test
    void alias() throws SQLException {
        Lineage l = explain("SELECT ssn AS x, c.ssn AS \"Name\" FROM customers c");
        assertExact(l.output(0), cust("ssn"));
        assertExact(l.output(1), cust("ssn"));
    }

    @Test
    void casts() throws SQLException {
        Lineage l = explain("SELECT ssn::varchar, CAST(ssn AS char(11)), ssn::varchar(20)::text, "
                + "birth_date::timestamptz, balance::numeric(20,4)::text FROM customers");
        assertExact(l.output(0), cust("ssn"));
        assertExact(l.output(1), cust("ssn"));
        assertExact(l.output(2), cust("ssn"));
        assertExact(l.output(3), cust("birth_date"));
        assertExact(l.output(4), cust("balance"));
    }

    @Test
    void concatenation() throws SQLException {
        Lineage l = explain("SELECT 'a' || ssn, ssn || 'customers.name', concat('x', ssn), format('%s', ssn), "
                + "'customers.ssn', name || ' ssn' FROM customers");
        for (int i = 0; i < 4; i++) {
            assertExact(l.output(i), cust("ssn"));
        }
        assertTrue(l.output(4).isConstant(), "a string literal naming the column is not the column");
        assertExact(l.output(5), cust("name"));
    }

    @Test
    void stringFunctions() throws SQLException {
        Lineage l = explain("SELECT substring(ssn from 1 for 3), substr(ssn, 5), lower(ssn), upper(ssn), md5(ssn), "
                + "left(ssn, 3), right(ssn, 4), regexp_replace(ssn, '-', '', 'g'), translate(ssn, '-', ''), "
                + "reverse(ssn), overlay(ssn placing 'x' from 1 for 3), sha256(convert_to(ssn, 'UTF8')) "
                + "FROM customers");
        assertEquals(12, l.size());
        for (OutputLineage o : l.outputs()) {
            assertExact(o, cust("ssn"));
        }
    }

    @Test
    void caseWhen() throws SQLException {
        Lineage l = explain("SELECT CASE WHEN id > 5 THEN ssn ELSE 'hidden' END, "
                + "CASE WHEN ssn LIKE '1%' THEN 'yes' ELSE 'no' END, "
                + "coalesce(ssn, name), nullif(ssn, ''), greatest(ssn, name) FROM customers");
        assertExact(l.output(0), cust("id"), cust("ssn"));
        assertExact(l.output(1), cust("ssn"));
        assertExact(l.output(2), cust("name"), cust("ssn"));
        assertExact(l.output(3), cust("ssn"));
        assertExact(l.output(4), cust("name"), cust("ssn"));
    }

    // ------------------------------------------------------------------ functions

    @Test
    void sqlFunctionIsInlinedAndSeenThrough() throws SQLException {
        Lineage l = explain("SELECT lineage_t.f(ssn), lineage_t.f(name) FROM customers");
        assertExact(l.output(0), cust("ssn"));
        assertExact(l.output(1), cust("name"));
    }

    @Test
    void plpgsqlFunctionArgumentIsDerivedButTheCallIsOpaque() throws SQLException {
        Lineage l = explain("SELECT lineage_t.f_pl(ssn) FROM customers");
        OutputLineage o = l.output(0);
        assertEquals(Set.of(cust("ssn")), o.columns());
        assertTrue(o.derivesFrom("public", "customers", "ssn"));
        assertTrue(o.opaque(), "a PL/pgSQL body is not visible");
        assertTrue(o.opaqueReasons().stream().anyMatch(r -> r.contains("lineage_t.f_pl")), o.toString());
    }

    @Test
    void functionThatReadsAnotherTableIsOpaque() throws SQLException {
        Lineage l = explain("SELECT lineage_t.secret_of(customer_id) FROM orders");
        assertEquals(Set.of(BaseColumn.of("public", "orders", "customer_id")), l.output(0).columns());
        assertTrue(l.output(0).opaque());

        Lineage q = explain("SELECT query_to_xml('select ssn from customers', true, true, '')");
        assertTrue(q.output(0).opaque(), "built-ins that run SQL are not transparent");
        assertTrue(q.output(0).columns().isEmpty());
    }

    @Test
    void setReturningFunctions() throws SQLException {
        Lineage plpgsql = explain("SELECT x FROM lineage_t.ssn_rows() x");
        assertTrue(plpgsql.output(0).opaque());

        Lineage sql = explain("SELECT x FROM lineage_t.ssn_rows_sql() x");
        assertExact(sql.output(0), cust("ssn"));

        Lineage series = explain("SELECT g, g * 2 FROM generate_series(1, 3) g");
        assertTrue(series.output(0).isConstant());
        assertTrue(series.output(1).isConstant());

        Lineage lateral = explain("SELECT j.key, j.value FROM customers c, jsonb_each_text(to_jsonb(c)) j");
        for (OutputLineage o : lateral.outputs()) {
            assertTrue(o.wholeRow("public", "customers"), o.toString());
            assertTrue(o.derivesFrom(cust("ssn")));
            assertFalse(o.opaque(), o.toString());
        }
    }

    // ------------------------------------------------------------------ CTEs, subqueries

    @Test
    void cte() throws SQLException {
        assertExact(explain("WITH c AS (SELECT ssn FROM customers) SELECT lower(ssn) FROM c").output(0), cust("ssn"));
        assertExact(explain("WITH c AS (SELECT ssn || '!' AS x FROM customers) SELECT lower(x) FROM c").output(0),
                cust("ssn"));
        // A real CTE Scan whose CTE has one output: still exact.
        assertExact(explain("WITH c AS MATERIALIZED (SELECT ssn || '!' AS ssn FROM customers) SELECT lower(ssn) FROM c")
                .output(0), cust("ssn"));
    }

    @Test
    void cteThatSwapsColumnNamesIsNotFooled() throws SQLException {
        Lineage l = explain("WITH c AS MATERIALIZED (SELECT ssn AS name, name AS ssn FROM customers) SELECT name FROM c");
        assertTrue(l.output(0).derivesFrom(cust("ssn")), "c.name is customers.ssn: " + l.output(0));
        assertTrue(l.output(0).approximate());
        assertFalse(l.output(0).opaque());

        Lineage twice = explain("WITH c AS (SELECT id, ssn FROM customers) SELECT a.ssn, b.id FROM c a JOIN c b ON a.id = b.id");
        assertTrue(twice.output(0).derivesFrom(cust("ssn")));
    }

    @Test
    void subqueryInFrom() throws SQLException {
        assertExact(explain("SELECT x FROM (SELECT ssn AS x FROM customers) s").output(0), cust("ssn"));
        // OFFSET 0 keeps a Subquery Scan; the unused column is pruned, so this stays exact.
        assertExact(explain("SELECT upper(x) FROM (SELECT name, ssn || '!' AS x FROM customers OFFSET 0) s").output(0),
                cust("ssn"));
        // A window function with an outer filter: several columns of one Subquery Scan.
        Lineage w = explain("SELECT * FROM (SELECT name, ssn, row_number() OVER (PARTITION BY name) rn FROM customers) t "
                + "WHERE rn = 1");
        assertEquals(3, w.size());
        for (OutputLineage o : w.outputs()) {
            assertTrue(o.derivesFrom(cust("ssn")), o.toString());
            assertTrue(o.approximate());
        }
        // Whole row of a subquery: all its columns.
        Lineage row = explain("SELECT json_agg(t) FROM (SELECT name, ssn FROM customers c LIMIT 5) t");
        assertExact(row.output(0), cust("name"), cust("ssn"));
    }

    @Test
    void scalarSubqueryInSelectList() throws SQLException {
        assertExact(explain("SELECT (SELECT ssn FROM customers c2 WHERE c2.id = c.id) FROM customers c").output(0),
                cust("ssn"));
        Lineage init = explain("SELECT name, (SELECT max(ssn) FROM customers) FROM customers");
        assertExact(init.output(0), cust("name"));
        assertExact(init.output(1), cust("ssn"));
        Lineage correlated = explain("SELECT c.name, (SELECT c.ssn || o.amount FROM orders o "
                + "WHERE o.customer_id = c.id LIMIT 1) FROM customers c");
        assertExact(correlated.output(1), cust("ssn"), BaseColumn.of("public", "orders", "amount"));
        Lineage lateral = explain("SELECT c.name, x.s FROM customers c, "
                + "LATERAL (SELECT c2.ssn s FROM customers c2 WHERE c2.id = c.id LIMIT 1) x");
        assertExact(lateral.output(0), cust("name"));
        assertExact(lateral.output(1), cust("ssn"));
        Lineage in = explain("SELECT name, ssn IN (SELECT ssn FROM customers c2 WHERE id < 5) FROM customers c");
        assertTrue(in.output(1).derivesFrom(cust("ssn")));
    }

    @Test
    void unionWithSsnInTheSecondBranchOnly() throws SQLException {
        for (String op : new String[] {"UNION", "UNION ALL", "INTERSECT", "EXCEPT"}) {
            Lineage l = explain("SELECT name FROM customers " + op + " SELECT ssn FROM customers");
            assertEquals(Set.of(cust("name"), cust("ssn")), l.output(0).columns(), op);
            assertFalse(l.output(0).opaque(), op);
        }
        Lineage sub = explain("SELECT x FROM (SELECT name AS x FROM customers UNION ALL SELECT ssn FROM customers) s "
                + "ORDER BY 1 LIMIT 3");
        assertEquals(Set.of(cust("name"), cust("ssn")), sub.output(0).columns());
        Lineage distinct = explain("SELECT upper(x) FROM (SELECT name AS x FROM customers UNION SELECT ssn FROM customers) s");
        assertEquals(Set.of(cust("name"), cust("ssn")), distinct.output(0).columns());
        Lineage expr = explain("SELECT b, a FROM (SELECT name a, lower(name) b FROM customers "
                + "UNION ALL SELECT ssn, name FROM customers c2) s ORDER BY 1");
        assertExact(expr.output(0), cust("name"));
        assertExact(expr.output(1), cust("name"), cust("ssn"));
    }

    @Test
    void recursiveCte() throws SQLException {
        Lineage l = explain("WITH RECURSIVE r(a, b, n) AS (SELECT name, '', 1 FROM customers WHERE id = 1 "
                + "UNION ALL SELECT r.b, c.ssn, n + 1 FROM r JOIN customers c ON c.id = r.n WHERE n < 3) SELECT a FROM r");
        assertTrue(l.output(0).derivesFrom(cust("ssn")), "a takes b's value, which is ssn: " + l.output(0));
    }

    // ------------------------------------------------------------------ views

    @Test
    void viewRenamingSsn() throws SQLException {
        assertExact(explain("SELECT s AS x FROM lineage_t.v_c").output(0), cust("ssn"));
    }

    @Test
    void nestedViews() throws SQLException {
        Lineage two = explain("SELECT hidden, name FROM lineage_t.v_c2");
        assertExact(two.output(0), cust("ssn"));
        assertExact(two.output(1), cust("name"));
        Lineage three = explain("SELECT label, h FROM lineage_t.v_c3");
        assertExact(three.output(0), cust("name"));
        assertExact(three.output(1), cust("ssn"));
        Lineage joined = explain("SELECT v.*, c.name FROM lineage_t.v_c v JOIN customers c ON c.id = v.id");
        assertExact(joined.output(2), cust("ssn"));
        assertExact(joined.output(3), cust("name"));
    }

    // ------------------------------------------------------------------ whole rows

    @Test
    void wholeRowReferences() throws SQLException {
        for (String sql : new String[] {
                "SELECT row_to_json(c) FROM customers c",
                "SELECT to_jsonb(c) FROM customers c",
                "SELECT json_agg(c) FROM customers c",
                "SELECT c FROM customers c",
                "SELECT c::text FROM customers c",
                "SELECT row_to_json(customers) FROM customers"}) {
            OutputLineage o = explain(sql).output(0);
            assertTrue(o.wholeRow("public", "customers"), sql);
            assertTrue(o.derivesFrom(cust("ssn")), sql);
            assertFalse(o.opaque(), sql);
        }
        // A view's row is spelled out column by column.
        assertExact(explain("SELECT row_to_json(v) FROM lineage_t.v_c v").output(0),
                cust("id"), cust("name"), cust("ssn"));
    }

    // ------------------------------------------------------------------ aggregates, joins, star

    @Test
    void aggregates() throws SQLException {
        Lineage l = explain("SELECT array_agg(ssn), string_agg(ssn, ','), count(ssn), count(*), "
                + "json_agg(ssn ORDER BY name), min(ssn) FILTER (WHERE id > 3) FROM customers");
        assertExact(l.output(0), cust("ssn"));
        assertExact(l.output(1), cust("ssn"));
        assertExact(l.output(2), cust("ssn"));
        assertTrue(l.output(3).isConstant());
        assertExact(l.output(4), cust("name"), cust("ssn"));
        assertExact(l.output(5), cust("id"), cust("ssn"));
    }

    @Test
    void joinWhereBothTablesHaveId() throws SQLException {
        Lineage l = explain("SELECT c.id, o.id, c.ssn, o.amount FROM customers c JOIN orders o ON o.customer_id = c.id");
        assertExact(l.output(0), cust("id"));
        assertExact(l.output(1), order("id"));
        assertExact(l.output(2), cust("ssn"));
        assertExact(l.output(3), order("amount"));

        Lineage star = explain("SELECT * FROM customers c JOIN orders o ON o.customer_id = c.id");
        assertEquals(11, star.size());
        assertExact(star.output(0), cust("id"));
        assertExact(star.output(3), cust("ssn"));
        assertExact(star.output(7), order("id"));
        assertExact(star.output(8), order("customer_id"));
    }

    @Test
    void selectStar() throws SQLException {
        Lineage l = explain("SELECT * FROM customers");
        String[] cols = {"id", "name", "email", "ssn", "card_number", "birth_date", "balance"};
        assertEquals(cols.length, l.size());
        for (int i = 0; i < cols.length; i++) {
            assertExact(l.output(i), cust(cols[i]));
        }
    }

    @Test
    void windowFunctions() throws SQLException {
        Lineage l = explain("SELECT name, lag(ssn) OVER (ORDER BY id), row_number() OVER (PARTITION BY ssn), "
                + "count(ssn) OVER (), first_value(upper(ssn)) OVER (PARTITION BY name ORDER BY id) FROM customers");
        assertExact(l.output(0), cust("name"));
        assertExact(l.output(1), cust("ssn"));
        assertTrue(l.output(2).isConstant(), "window keys are control flow, not value flow");
        assertExact(l.output(3), cust("ssn"));
        assertExact(l.output(4), cust("ssn"));
    }

    @Test
    void groupDistinctOrderLimitNodesPassOutputsUp() throws SQLException {
        assertExact(explain("SELECT DISTINCT ssn FROM customers ORDER BY 1 LIMIT 5").output(0), cust("ssn"));
        Lineage g = explain("SELECT name, max(ssn) FROM customers GROUP BY name ORDER BY 2 DESC LIMIT 3");
        assertExact(g.output(0), cust("name"));
        assertExact(g.output(1), cust("ssn"));
        Lineage on = explain("SELECT DISTINCT ON (name) name, ssn FROM customers ORDER BY name, id");
        assertExact(on.output(0), cust("name"));
        assertExact(on.output(1), cust("ssn"));
        Lineage junk = explain("SELECT name FROM customers ORDER BY ssn");
        assertExact(junk.output(0), cust("name")); // a resjunk sort key may follow at index 1
        Lineage locked = explain("SELECT o.id, c.name FROM orders o JOIN customers c ON c.id = o.customer_id "
                + "ORDER BY o.amount FOR UPDATE");
        assertExact(locked.output(0), order("id"));
        assertExact(locked.output(1), cust("name"));
    }

    @Test
    void groupAggregateAndParallelPlans() throws SQLException {
        try (Statement s = conn.createStatement()) {
            s.execute("SET enable_hashagg = off");
            Lineage g = explain("SELECT name, string_agg(ssn, ',') FROM customers GROUP BY name");
            assertExact(g.output(0), cust("name"));
            assertExact(g.output(1), cust("ssn"));
            s.execute("RESET enable_hashagg");

            s.execute("SET parallel_setup_cost = 0");
            s.execute("SET parallel_tuple_cost = 0");
            s.execute("SET min_parallel_table_scan_size = 0");
            s.execute("SET force_parallel_mode = on");
            Lineage p = explain("SELECT name, upper(ssn) FROM customers c ORDER BY name");
            assertExact(p.output(0), cust("name"));
            assertExact(p.output(1), cust("ssn"));
        } finally {
            try (Statement s = conn.createStatement()) {
                s.execute("RESET ALL");
            }
        }
    }

    // ------------------------------------------------------------------ other plan shapes

    @Test
    void partitionsAreReportedAsScanned() throws SQLException {
        BaseColumn secret2023 = BaseColumn.of("lineage_t", "events_2023", "secret");
        BaseColumn secret2024 = BaseColumn.of("lineage_t", "events_2024", "secret");
        // Bare Append at the top: its members' texts.
        assertExact(explain("SELECT secret FROM lineage_t.events").output(0), secret2023, secret2024);
        // Above the Append PostgreSQL names the (unscanned) parent: events.secret.
        assertExact(explain("SELECT secret FROM lineage_t.events ORDER BY d").output(0), secret2023, secret2024);
        Lineage agg = explain("SELECT upper(secret), count(*) FROM lineage_t.events GROUP BY 1");
        assertExact(agg.output(0), secret2023, secret2024);
        Lineage join = explain("SELECT e.secret, c.ssn FROM lineage_t.events e JOIN customers c ON c.id = e.id "
                + "ORDER BY e.d LIMIT 5");
        assertExact(join.output(0), secret2023, secret2024);
        assertExact(join.output(1), cust("ssn"));
        OutputLineage row = explain("SELECT row_to_json(e) FROM lineage_t.events e ORDER BY d LIMIT 3").output(0);
        assertTrue(row.wholeRow("lineage_t", "events_2023") && row.wholeRow("lineage_t", "events_2024"), row.toString());
        assertFalse(row.opaque());
    }

    @Test
    void quotedIdentifiers() throws SQLException {
        Lineage single = explain("SELECT \"Weird Name\", w.\"select\" FROM lineage_t.\"Weird Table\" w");
        assertExact(single.output(0), BaseColumn.of("lineage_t", "Weird Table", "Weird Name"));
        assertExact(single.output(1), BaseColumn.of("lineage_t", "Weird Table", "select"));
        Lineage joined = explain("SELECT w.\"Weird Name\" || c.ssn FROM lineage_t.\"Weird Table\" w "
                + "JOIN customers c ON c.id = w.id");
        assertExact(joined.output(0), BaseColumn.of("lineage_t", "Weird Table", "Weird Name"), cust("ssn"));
    }

    @Test
    void dmlReturning() throws SQLException {
        Lineage insert = explain("INSERT INTO items SELECT id, ssn FROM customers RETURNING payload");
        assertTrue(insert.output(0).derivesFrom(cust("ssn")), "payload was filled from ssn: " + insert.output(0));
        Lineage swap = explain("UPDATE customers SET name = ssn, ssn = name WHERE id = -1 RETURNING name");
        assertTrue(swap.output(0).derivesFrom(cust("ssn")), swap.output(0).toString());
        Lineage delete = explain("DELETE FROM orders WHERE id = -1 RETURNING amount");
        assertExact(delete.output(0), order("amount"));
        assertEquals(0, explain("DELETE FROM orders WHERE id = -1").size());
    }

    @Test
    void valuesListsAreOpaque() throws SQLException {
        Lineage lateral = explain("SELECT v.x FROM customers c CROSS JOIN LATERAL (VALUES (c.ssn), (c.name)) v(x)");
        assertTrue(lateral.output(0).opaque(), "EXPLAIN hides VALUES lists, which may hold c.ssn");
        // One-row VALUES is pulled up, so its expression is visible.
        assertExact(explain("SELECT v.x FROM customers c CROSS JOIN LATERAL (VALUES (c.ssn)) v(x)").output(0),
                cust("ssn"));
    }

    // ------------------------------------------------------------------ negatives

    @Test
    void nameAndEmailOnly() throws SQLException {
        Lineage l = explain("SELECT name, email FROM customers");
        assertExact(l.output(0), cust("name"));
        assertExact(l.output(1), cust("email"));
        assertFalse(l.output(0).derivesFrom(cust("ssn")));
        assertFalse(l.output(1).derivesFrom(cust("ssn")));
    }

    @Test
    void countOfSsnIsDerivedFromSsn() throws SQLException {
        assertExact(explain("SELECT count(ssn) FROM customers").output(0), cust("ssn"));
        assertExact(explain("SELECT count(DISTINCT ssn) FROM customers").output(0), cust("ssn"));
    }

    @Test
    void constantsHaveNoBaseColumns() throws SQLException {
        Lineage one = explain("SELECT 1");
        assertEquals(1, one.size());
        assertTrue(one.output(0).isConstant());
        assertTrue(one.scannedRelations().isEmpty());

        Lineage filtered = explain("SELECT count(*), 'ssn' AS ssn FROM customers WHERE ssn LIKE '1%'");
        assertTrue(filtered.output(0).isConstant(), "filters are not value flow");
        assertTrue(filtered.output(1).isConstant());
        assertTrue(filtered.scannedRelations().contains(BaseTable.of("public", "customers")));
    }

    // ------------------------------------------------------------------ helpers

    private static Lineage explain(String sql) throws SQLException {
        try (Statement s = conn.createStatement(); ResultSet rs = s.executeQuery(ExplainQuery.forStatement(sql))) {
            assertTrue(rs.next());
            return PlanLineage.fromExplainJson(rs.getString(1));
        }
    }

    private static BaseColumn cust(String column) {
        return BaseColumn.of("public", "customers", column);
    }

    private static BaseColumn order(String column) {
        return BaseColumn.of("public", "orders", column);
    }

    /** Exactly these columns, no whole row, not opaque, not approximate. */
    private static void assertExact(OutputLineage o, BaseColumn... expected) {
        assertEquals(new TreeSet<>(Arrays.asList(expected)), o.columns(), o.toString());
        assertTrue(o.wholeRows().isEmpty(), o.toString());
        assertFalse(o.opaque(), o.toString());
        assertFalse(o.approximate(), o.toString());
    }
}
