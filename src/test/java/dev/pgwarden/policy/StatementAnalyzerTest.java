package dev.pgwarden.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Set;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.pgwarden.sql.ColumnRef;
import dev.pgwarden.sql.FunctionName;
import dev.pgwarden.sql.StatementKind;
import dev.pgwarden.sql.TableName;
import dev.pgwarden.sql.Truth;

class StatementAnalyzerTest {
    static final TableName CUSTOMERS = TableName.unqualified("customers");
    static final TableName ORDERS = TableName.unqualified("orders");

    static StatementAnalyzer analyzer;

    @BeforeAll
    static void start() {
        analyzer = new StatementAnalyzer();
    }

    @AfterAll
    static void stop() {
        analyzer.close();
    }

    static StatementAnalysis analyze(String sql) {
        StatementAnalysis a = analyzer.analyze(sql);
        assertTrue(a.analyzable(), () -> sql + ": " + a.problem());
        return a;
    }

    static ColumnRef col(TableName t, String c) {
        return new ColumnRef(t, c);
    }

    @Test
    void columnsThroughAliases() {
        StatementAnalysis a = analyze("SELECT c.ssn, o.total FROM public.customers AS c "
                + "JOIN sales.orders o ON o.customer_id = c.id WHERE c.id = $1");
        TableName orders = new TableName("sales", "orders");
        assertEquals(Set.of(CUSTOMERS, orders), a.tables());
        assertEquals(Set.of(col(CUSTOMERS, "ssn"), col(orders, "total"), col(orders, "customer_id"),
                col(CUSTOMERS, "id")), a.columns());
        assertTrue(a.derivedColumns().isEmpty());
    }

    @Test
    void quotedAndQualifiedNames() {
        StatementAnalysis a = analyze("SELECT \"Weird\".\"Ssn\" FROM \"Crm\".\"Customers\" \"Weird\"");
        TableName t = new TableName("Crm", "Customers");
        assertEquals(Set.of(t), a.tables());
        assertEquals(Set.of(col(t, "Ssn")), a.columns());
        // a database-qualified name keeps schema and table
        assertEquals(Set.of(new TableName("public", "t")), analyze("SELECT * FROM mydb.public.t").tables());
    }

    @Test
    void aCteIsNotATable() {
        StatementAnalysis a = analyze("WITH recent AS (SELECT id, customer_id FROM orders WHERE placed > now() - "
                + "interval '1 day') SELECT r.id, c.name FROM recent r JOIN customers c ON c.id = r.customer_id");
        assertEquals(Set.of(ORDERS, CUSTOMERS), a.tables());
        assertTrue(a.columns().contains(col(ORDERS, "customer_id")));
        assertTrue(a.columns().contains(col(CUSTOMERS, "name")));
        assertFalse(a.tables().contains(TableName.unqualified("recent")));
    }

    @Test
    void aCteBodyReadsTheTableItShadows() {
        // non-recursive: inside its own body, "customers" is still the table
        StatementAnalysis a = analyze("WITH customers AS (SELECT ssn FROM customers) SELECT * FROM customers");
        assertEquals(Set.of(CUSTOMERS), a.tables());
        assertEquals(Set.of(col(CUSTOMERS, "ssn")), a.columns());
        // ... but a qualified name is always the table
        assertEquals(Set.of(CUSTOMERS, new TableName("public", "x")),
                analyze("WITH x AS (SELECT 1) SELECT * FROM customers, public.x").tables());
    }

    @Test
    void aDataChangingStatementAlwaysTargetsATable() {
        // a CTE cannot be the target: the table of that name is
        assertEquals(Set.of(CUSTOMERS),
                analyze("WITH customers AS (SELECT 1) DELETE FROM customers WHERE true").tables());
        assertEquals(Set.of(CUSTOMERS, ORDERS),
                analyze("WITH customers AS (SELECT id FROM orders) UPDATE customers SET a = 1").tables());
    }

    @Test
    void recursiveCtes() {
        StatementAnalysis a = analyze("WITH RECURSIVE tree(id, parent) AS (SELECT id, parent FROM nodes WHERE "
                + "parent IS NULL UNION ALL SELECT n.id, n.parent FROM nodes n JOIN tree t ON n.parent = t.id) "
                + "SELECT * FROM tree");
        assertEquals(Set.of(TableName.unqualified("nodes")), a.tables());
    }

    @Test
    void subqueriesEverywhere() {
        StatementAnalysis a = analyze("SELECT (SELECT max(total) FROM orders o WHERE o.customer_id = c.id) AS m "
                + "FROM customers c WHERE EXISTS (SELECT 1 FROM flags f WHERE f.cid = c.id) "
                + "AND c.region IN (SELECT region FROM regions) AND c.score > ALL (SELECT s FROM limits)");
        assertEquals(Set.of(CUSTOMERS, ORDERS, TableName.unqualified("flags"), TableName.unqualified("regions"),
                TableName.unqualified("limits")), a.tables());
        assertTrue(a.columns().contains(col(ORDERS, "total")));
        assertTrue(a.columns().contains(col(CUSTOMERS, "region")));
    }

    @Test
    void derivedTablesAndLateral() {
        StatementAnalysis a = analyze("SELECT d.s, l.total FROM (SELECT ssn AS s, id FROM customers) d, "
                + "LATERAL (SELECT total FROM orders WHERE orders.customer_id = d.id LIMIT 1) l");
        assertEquals(Set.of(CUSTOMERS, ORDERS), a.tables());
        assertTrue(a.columns().contains(col(CUSTOMERS, "ssn")));
        assertTrue(a.derivedColumns().isEmpty(), () -> a.derivedColumns().toString());
    }

    @Test
    void unionBranches() {
        StatementAnalysis a = analyze("SELECT email FROM customers UNION ALL SELECT email FROM leads "
                + "ORDER BY 1 LIMIT 10");
        assertEquals(Set.of(CUSTOMERS, TableName.unqualified("leads")), a.tables());
        // a set operation's result columns have no table lineage in PostgreSQL
        assertEquals(Set.of(col(CUSTOMERS, "email"), col(TableName.unqualified("leads"), "email")),
                a.derivedColumns());
        assertEquals(10, a.rowLimit());
        assertEquals(Truth.NO, a.limitMissing());
        assertEquals(Truth.YES, a.whereMissing());
    }

    @Test
    void starsAreAllColumns() {
        assertEquals(Set.of(ColumnRef.allOf(CUSTOMERS)), analyze("SELECT * FROM customers").columns());
        assertEquals(Set.of(ColumnRef.allOf(CUSTOMERS), col(ORDERS, "id"), col(ORDERS, "cid"),
                col(CUSTOMERS, "id")),
                analyze("SELECT c.*, o.id FROM customers c JOIN orders o ON o.cid = c.id").columns());
        assertEquals(Set.of(ColumnRef.allOf(CUSTOMERS)), analyze("TABLE customers").columns());
        // count(*) reads no column
        assertEquals(Set.of(), analyze("SELECT count(*) FROM customers").columns());
        // a star over a CTE is the CTE's lineage
        StatementAnalysis cte = analyze("WITH x AS (SELECT ssn FROM customers) SELECT * FROM x");
        assertEquals(Set.of(col(CUSTOMERS, "ssn")), cte.columns());
    }

    @Test
    void computedResultColumns() {
        assertEquals(Set.of(col(CUSTOMERS, "ssn")), analyze("SELECT upper(ssn) FROM customers").derivedColumns());
        assertEquals(Set.of(col(CUSTOMERS, "ssn")), analyze("SELECT ssn || '' AS s FROM customers")
                .derivedColumns());
        assertEquals(Set.of(), analyze("SELECT ssn AS s, (name) FROM customers").derivedColumns());
        // whole-row references carry every column
        assertTrue(analyze("SELECT to_jsonb(c) FROM customers c").derivedColumns()
                .contains(ColumnRef.allOf(CUSTOMERS)));
        assertTrue(analyze("SELECT row_to_json(c.*) FROM customers c").derivedColumns()
                .contains(ColumnRef.allOf(CUSTOMERS)));
        // computed over a derived table reaches the columns behind it
        assertEquals(Set.of(col(CUSTOMERS, "ssn")),
                analyze("SELECT lower(d.s) FROM (SELECT ssn s FROM customers) d").derivedColumns());
        // a scalar subquery in the select list computes its value
        assertTrue(analyze("SELECT (SELECT ssn FROM customers LIMIT 1) AS x").derivedColumns()
                .contains(col(CUSTOMERS, "ssn")));
        // RETURNING is a result too
        assertEquals(Set.of(col(CUSTOMERS, "ssn")),
                analyze("DELETE FROM customers WHERE id = 1 RETURNING md5(ssn)").derivedColumns());
    }

    @Test
    void functions() {
        StatementAnalysis a = analyze("SELECT pg_catalog.pg_read_file('/etc/passwd'), lower(x), "
                + "count(*) OVER (PARTITION BY y), \"MyFn\"(1) FROM t, generate_series(1, 3) g");
        assertEquals(Set.of(new FunctionName("pg_catalog", "pg_read_file"), new FunctionName(null, "lower"),
                new FunctionName(null, "count"), new FunctionName(null, "MyFn"),
                new FunctionName(null, "generate_series")), a.functions());
    }

    @Test
    void dataChangingStatements() {
        StatementAnalysis ins = analyze("INSERT INTO archive (id, ssn) SELECT id, ssn FROM customers "
                + "ON CONFLICT (id) DO UPDATE SET ssn = excluded.ssn");
        assertEquals(Set.of(StatementKind.INSERT), ins.kinds());
        assertEquals(Set.of(TableName.unqualified("archive"), CUSTOMERS), ins.tables());
        assertTrue(ins.columns().contains(col(TableName.unqualified("archive"), "ssn")));
        assertTrue(ins.columns().contains(col(CUSTOMERS, "ssn")));

        StatementAnalysis upd = analyze("UPDATE orders o SET total = 0 FROM customers c WHERE c.id = o.cid "
                + "AND c.region = 'x'");
        assertEquals(Set.of(ORDERS, CUSTOMERS), upd.tables());
        assertEquals(Truth.NO, upd.whereMissing());

        StatementAnalysis del = analyze("DELETE FROM orders USING customers WHERE orders.cid = customers.id");
        assertEquals(Set.of(ORDERS, CUSTOMERS), del.tables());
        assertEquals(Truth.YES, analyze("DELETE FROM orders").whereMissing());
        assertEquals(Truth.YES, analyze("UPDATE orders SET total = 0").whereMissing());
        assertEquals(Truth.YES, analyze("TRUNCATE orders").whereMissing());

        StatementAnalysis merge = analyze("MERGE INTO customers t USING staging s ON t.id = s.id "
                + "WHEN MATCHED THEN UPDATE SET name = s.name WHEN NOT MATCHED THEN INSERT (id, name) "
                + "VALUES (s.id, s.name)");
        assertEquals(Set.of(StatementKind.MERGE), merge.kinds());
        assertEquals(Set.of(CUSTOMERS, TableName.unqualified("staging")), merge.tables());
    }

    @Test
    void whereAndLimit() {
        StatementAnalysis all = analyze("SELECT * FROM customers");
        assertEquals(Truth.YES, all.whereMissing());
        assertEquals(Truth.YES, all.limitMissing());
        assertEquals(-1, all.rowLimit());
        StatementAnalysis some = analyze("SELECT * FROM customers WHERE id > 5 LIMIT 50 OFFSET 100");
        assertEquals(Truth.NO, some.whereMissing());
        assertEquals(50, some.rowLimit());
        assertEquals(3, analyze("SELECT * FROM customers FETCH FIRST 3 ROWS ONLY").rowLimit());
        assertEquals(1, analyze("SELECT * FROM customers FETCH FIRST ROW ONLY").rowLimit());
        StatementAnalysis param = analyze("SELECT * FROM customers LIMIT $1");
        assertEquals(Truth.NO, param.limitMissing());
        assertEquals(-1, param.rowLimit());
        assertEquals(Truth.YES, analyze("SELECT * FROM customers LIMIT ALL").limitMissing());
        // no table, nothing to bound
        assertEquals(Truth.NO, analyze("SELECT 1").whereMissing());
        assertEquals(Truth.NO, analyze("SELECT 1").limitMissing());
        // COPY of a whole table has neither
        StatementAnalysis copy = analyze("COPY customers TO STDOUT");
        assertEquals(Truth.YES, copy.whereMissing());
        assertEquals(Truth.YES, copy.limitMissing());
        assertEquals("SELECT * FROM customers", copy.plannableSql());
        // a wrapped query brings its own
        assertEquals(7, analyze("COPY (SELECT * FROM customers LIMIT 7) TO STDOUT").rowLimit());
    }

    @Test
    void stringFormsJsqlParserDoesNotKnowAreNormalised() {
        StatementAnalysis a = analyze("SELECT E'it\\'s', $q$a;b$q$, U&'d\\0061t', ssn FROM customers "
                + "/* a /* nested */ comment */ WHERE name = $$x$$");
        assertEquals(Set.of(CUSTOMERS), a.tables());
        assertTrue(a.columns().contains(col(CUSTOMERS, "ssn")));
    }

    @Test
    void garbageIsNotAnalysable() {
        StatementAnalysis a = analyzer.analyze("SELECT FROM WHERE ))");
        assertFalse(a.analyzable());
        assertTrue(a.problem().startsWith("the SQL parser could not read it"), a.problem());
        assertEquals("SELECT FROM WHERE ))", a.plannerQuery());

        StatementAnalysis unknown = analyzer.analyze("FROBNICATE customers");
        assertFalse(unknown.analyzable());
        assertEquals(StatementKind.OTHER, unknown.kind());
        assertNull(unknown.plannerQuery(), "no planner can explain an unknown command");
    }

    @Test
    void jsqlParserMustReadTheWholeStatement() {
        // JSqlParser reads '//' as a comment; PostgreSQL as an operator: refuse rather than read less
        StatementAnalysis a = analyzer.analyze("SELECT 1 // 2 FROM customers");
        assertFalse(a.analyzable());
    }

    @Test
    void tokensJsqlParserWouldReadDifferentlyAreNotGuessedAt() {
        // PostgreSQL reads U&"\0073sn" as the column ssn; JSqlParser as u & "\0073sn"
        assertFalse(analyzer.analyze("SELECT U&\"\\0073sn\" FROM customers").analyzable());
        // U+00A0 is a letter to PostgreSQL: one identifier, not a table and its alias
        StatementAnalysis nbsp = analyze("SELECT * FROM t\u00a0customers");
        assertEquals(Set.of(TableName.unqualified("t\u00a0customers")), nbsp.tables());
    }

    @Test
    void functionsThatRunSqlTextAreNotAnalysable() {
        for (String sql : new String[] {"SELECT query_to_xml('select * from customers', true, true, '')",
                "SELECT * FROM dblink('dbname=x', 'select ssn from customers') AS t(s text)",
                "SELECT table_to_xml('customers', true, true, '')",
                "SELECT ts_stat('SELECT to_tsvector(ssn) FROM customers')",
                // the two-argument form runs its second argument: SELECT target, substitute
                "SELECT ts_rewrite('a'::tsquery, 'SELECT ''a''::tsquery, quote_literal(ssn)::tsquery FROM customers')"}) {
            StatementAnalysis a = analyzer.analyze(sql);
            assertFalse(a.analyzable(), sql);
            assertNull(a.plannerQuery(), sql);
        }
    }

    @Test
    void resultsAreCachedByText() {
        String sql = "SELECT id FROM customers WHERE id = 42";
        assertSame(analyzer.analyze(sql), analyzer.analyze(sql));
        assertSame(analyzer.analyzeText(sql + "; SELECT 2"), analyzer.analyzeText(sql + "; SELECT 2"));
        assertTrue(analyzer.analyzeText("  ").statements().isEmpty());
    }

    @Test
    void parseOverTheBudgetIsUnparseable() {
        StringBuilder deep = new StringBuilder("SELECT ");
        for (int i = 0; i < 3000; i++) {
            deep.append("coalesce(a, ");
        }
        deep.append('1');
        deep.append(")".repeat(3000)).append(" FROM t");
        try (StatementAnalyzer slow = new StatementAnalyzer(1, Duration.ofMillis(1), 10)) {
            StatementAnalysis a = slow.analyze(deep.toString());
            assertFalse(a.analyzable());
            Text.contains(a.problem(), "took longer than 1 ms");
        }
    }
}
