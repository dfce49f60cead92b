package dev.pgwarden.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import dev.pgwarden.sql.ColumnRef;
import dev.pgwarden.sql.FunctionName;
import dev.pgwarden.sql.SqlLexer;
import dev.pgwarden.sql.StatementKind;
import dev.pgwarden.sql.TableName;

import static dev.pgwarden.sql.StatementKind.*;

/** Everyday PostgreSQL statements, as psql, JDBC, pg_dump and people send them. */
class UtilityClassifierTest {
    static final String PSQL_DESCRIBE = "SELECT c.oid, n.nspname, c.relname FROM pg_catalog.pg_class c LEFT JOIN "
            + "pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE c.relname OPERATOR(pg_catalog.~) "
            + "'^(customers)$' COLLATE pg_catalog.default AND pg_catalog.pg_table_is_visible(c.oid) ORDER BY 2, 3;";
    static final String JDBC_TYPE_INFO = "SELECT typinput='pg_catalog.array_in'::regproc AS is_array, typtype, "
            + "typname, pg_type.oid FROM pg_catalog.pg_type LEFT JOIN (select ns.oid as nspoid, ns.nspname, r.r "
            + "from pg_namespace as ns join ( select s.r, (current_schemas(false))[s.r] as nspname from "
            + "generate_series(1, array_upper(current_schemas(false), 1)) as s(r) ) as r using ( nspname ) ) as sp "
            + "ON sp.nspoid = typnamespace WHERE pg_type.oid = $1 ORDER BY sp.r, pg_type.oid DESC";

    static StatementAnalyzer analyzer;

    @BeforeAll
    static void start() {
        analyzer = new StatementAnalyzer();
    }

    @AfterAll
    static void stop() {
        analyzer.close();
    }

    static Stream<Arguments> corpus() {
        return Stream.of(
                // transactions
                Arguments.of("BEGIN", TRANSACTION),
                Arguments.of("BEGIN ISOLATION LEVEL SERIALIZABLE", TRANSACTION),
                Arguments.of("START TRANSACTION READ ONLY", TRANSACTION),
                Arguments.of("COMMIT", TRANSACTION),
                Arguments.of("END", TRANSACTION),
                Arguments.of("ROLLBACK", TRANSACTION),
                Arguments.of("ABORT", TRANSACTION),
                Arguments.of("SAVEPOINT s1", TRANSACTION),
                Arguments.of("RELEASE SAVEPOINT s1", TRANSACTION),
                Arguments.of("ROLLBACK TO SAVEPOINT s1", TRANSACTION),
                Arguments.of("PREPARE TRANSACTION 'tx1'", TRANSACTION),
                Arguments.of("COMMIT PREPARED 'tx1'", TRANSACTION),
                // settings
                Arguments.of("SET search_path TO public, app", GATEWAY_SETTING), // pinned: rules resolve names in public
                Arguments.of("SET SCHEMA 'app'", GATEWAY_SETTING),
                Arguments.of("SET statement_timeout = 5000", SET),
                Arguments.of("SET TIME ZONE 'UTC'", SET),
                Arguments.of("SET statement_timeout = '5s'", SET),
                Arguments.of("SET LOCAL lock_timeout = '2s'", SET),
                Arguments.of("SET enable_hashjoin TO DEFAULT", SET),
                Arguments.of("RESET enable_hashjoin", SET),
                Arguments.of("SET app.tenant = '42'", SET),
                Arguments.of("SET extra_float_digits = 3", SET),
                Arguments.of("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY", SET),
                Arguments.of("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ", SET),
                Arguments.of("SHOW search_path", SET),
                Arguments.of("SHOW role", SET),
                Arguments.of("RESET statement_timeout", SET),
                Arguments.of("SET standard_conforming_strings = on", SET),
                Arguments.of("SET client_encoding TO 'UTF8'", SET),
                Arguments.of("SET NAMES 'utf-8'", SET),
                Arguments.of("SELECT pg_catalog.set_config('search_path', '', false)", GATEWAY_SETTING),
                // leaving the gateway's role
                Arguments.of("SET ROLE postgres", ROLE_CHANGE),
                Arguments.of("set role none", ROLE_CHANGE),
                Arguments.of("SET LOCAL ROLE admin", ROLE_CHANGE),
                Arguments.of("SET SESSION ROLE admin", ROLE_CHANGE),
                Arguments.of("SET role = 'admin'", ROLE_CHANGE),
                Arguments.of("SET \"role\" TO admin", ROLE_CHANGE),
                Arguments.of("SET U&\"\\0072ole\" TO admin", ROLE_CHANGE),
                Arguments.of("RESET ROLE", ROLE_CHANGE),
                Arguments.of("SET SESSION AUTHORIZATION bob", ROLE_CHANGE),
                Arguments.of("SET SESSION AUTHORIZATION DEFAULT", ROLE_CHANGE),
                Arguments.of("SET LOCAL SESSION AUTHORIZATION bob", ROLE_CHANGE),
                Arguments.of("SET session_authorization = bob", ROLE_CHANGE),
                Arguments.of("RESET SESSION AUTHORIZATION", ROLE_CHANGE),
                Arguments.of("RESET ALL", ROLE_CHANGE),
                Arguments.of("DISCARD ALL", ROLE_CHANGE),
                Arguments.of("SELECT set_config('role', 'postgres', false)", ROLE_CHANGE),
                Arguments.of("SELECT set_config('ROLE', 'postgres', true)", ROLE_CHANGE),
                Arguments.of("SELECT set_config('ro'||'le', 'postgres', false)", ROLE_CHANGE),
                Arguments.of("SELECT set_config(E'role', 'postgres', false)", ROLE_CHANGE),
                Arguments.of("SELECT set_config($1, $2, false)", ROLE_CHANGE),
                Arguments.of("SELECT set_config(setting_name => 'role', new_value => 'x', is_local => false)",
                        ROLE_CHANGE),
                Arguments.of("SELECT pg_catalog.set_config('session_authorization', 'x', false)", ROLE_CHANGE),
                Arguments.of("SELECT 1 FROM t WHERE set_config('role', 'x', false) IS NOT NULL", ROLE_CHANGE),
                Arguments.of("UPDATE pg_settings SET setting = 'postgres' WHERE name = 'role'", ROLE_CHANGE),
                Arguments.of("DO $$BEGIN EXECUTE 'SET ROLE postgres'; END$$", ROLE_CHANGE),
                Arguments.of("DO $$BEGIN PERFORM set_config('role', 'postgres', false); END$$", ROLE_CHANGE),
                Arguments.of("CREATE FUNCTION f() RETURNS void LANGUAGE sql SET role = 'postgres' AS 'SELECT 1'",
                        ROLE_CHANGE),
                Arguments.of("ALTER DATABASE app SET role = 'postgres'", ROLE_CHANGE),
                // changing how the server reads SQL text
                Arguments.of("SET standard_conforming_strings = off", GATEWAY_SETTING),
                Arguments.of("SET client_encoding = 'LATIN1'", GATEWAY_SETTING),
                Arguments.of("SET NAMES 'SJIS'", GATEWAY_SETTING),
                Arguments.of("SELECT set_config('standard_conforming_strings', 'off', false)", GATEWAY_SETTING),
                // changing which plans the server picks: pgwarden judged the ones a side connection makes
                Arguments.of("SET enable_hashjoin = off", GATEWAY_SETTING),
                Arguments.of("SET LOCAL enable_nestloop TO false", GATEWAY_SETTING),
                Arguments.of("SET SESSION random_page_cost = 100", GATEWAY_SETTING),
                Arguments.of("SET LOCAL work_mem = '64kB'", GATEWAY_SETTING),
                Arguments.of("SET join_collapse_limit = 1", GATEWAY_SETTING),
                Arguments.of("SET geqo_threshold = 2", GATEWAY_SETTING),
                Arguments.of("SET \"enable_sort\" = off", GATEWAY_SETTING),
                Arguments.of("SELECT set_config('enable_hashjoin', 'off', false)", GATEWAY_SETTING),
                Arguments.of("DO $$BEGIN SET enable_hashjoin = off; END$$", GATEWAY_SETTING),
                Arguments.of("ALTER FUNCTION f() SET enable_mergejoin = on", GATEWAY_SETTING),
                // COPY
                Arguments.of("COPY customers TO STDOUT", COPY_OUT),
                Arguments.of("COPY customers (id, name) TO STDOUT WITH (FORMAT csv, HEADER)", COPY_OUT),
                Arguments.of("COPY (SELECT * FROM customers WHERE id < 10) TO STDOUT", COPY_OUT),
                Arguments.of("COPY customers TO '/tmp/c.csv'", COPY_OUT),
                Arguments.of("COPY customers TO PROGRAM 'gzip > /tmp/c.gz'", COPY_OUT),
                Arguments.of("COPY BINARY customers TO STDOUT", COPY_OUT),
                Arguments.of("COPY customers FROM STDIN", COPY_IN),
                Arguments.of("COPY app.customers (id) FROM STDIN WITH (FORMAT binary)", COPY_IN),
                // cursors and prepared statements
                Arguments.of("DECLARE c CURSOR FOR SELECT * FROM customers", SELECT),
                Arguments.of("DECLARE c BINARY NO SCROLL CURSOR WITH HOLD FOR SELECT 1", SELECT),
                Arguments.of("FETCH 100 FROM c", UTILITY),
                Arguments.of("FETCH ALL IN c", UTILITY),
                Arguments.of("MOVE ABSOLUTE 5 IN c", UTILITY),
                Arguments.of("CLOSE c", UTILITY),
                Arguments.of("CLOSE ALL", UTILITY),
                Arguments.of("PREPARE q (int) AS SELECT * FROM customers WHERE id = $1", SELECT),
                Arguments.of("PREPARE d AS DELETE FROM orders WHERE id = $1", DELETE),
                Arguments.of("EXECUTE q(1)", EXECUTE),
                Arguments.of("DEALLOCATE q", UTILITY),
                Arguments.of("DEALLOCATE PREPARE ALL", UTILITY),
                Arguments.of("DISCARD PLANS", UTILITY),
                // procedural
                Arguments.of("DO $$BEGIN RAISE NOTICE 'hi'; END$$", DO),
                Arguments.of("DO LANGUAGE plpgsql $x$BEGIN NULL; END$x$", DO),
                Arguments.of("CALL refresh_stats()", CALL),
                Arguments.of("CALL app.archive(30)", CALL),
                // notifications, maintenance, locks
                Arguments.of("LISTEN jobs", UTILITY),
                Arguments.of("NOTIFY jobs, 'payload'", UTILITY),
                Arguments.of("UNLISTEN *", UTILITY),
                Arguments.of("LOCK TABLE customers IN SHARE MODE", UTILITY),
                Arguments.of("VACUUM", MAINTENANCE),
                Arguments.of("VACUUM (VERBOSE, ANALYZE) customers", MAINTENANCE),
                Arguments.of("ANALYZE customers", MAINTENANCE),
                Arguments.of("CLUSTER customers USING customers_pkey", MAINTENANCE),
                Arguments.of("REINDEX INDEX customers_pkey", MAINTENANCE),
                Arguments.of("CHECKPOINT", MAINTENANCE),
                // DDL
                Arguments.of("CREATE TABLE t (id int PRIMARY KEY, b text GENERATED ALWAYS AS ('x') STORED)", DDL),
                Arguments.of("CREATE INDEX CONCURRENTLY i ON customers (email)", DDL),
                Arguments.of("ALTER TABLE customers ADD COLUMN note text", DDL),
                Arguments.of("DROP TABLE IF EXISTS t", DDL),
                Arguments.of("GRANT SELECT ON customers TO analyst_ro", DDL),
                Arguments.of("REVOKE ALL ON customers FROM public", DDL),
                Arguments.of("COMMENT ON TABLE customers IS 'people'", DDL),
                Arguments.of("SECURITY LABEL FOR selinux ON TABLE customers IS 'x'", DDL),
                Arguments.of("CREATE VIEW v AS SELECT id FROM customers", DDL),
                Arguments.of("CREATE OR REPLACE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1'", DDL),
                Arguments.of("CREATE FUNCTION g(a int) RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT a; END", DDL),
                Arguments.of("CREATE EXTENSION IF NOT EXISTS pgcrypto", DDL),
                Arguments.of("ALTER SYSTEM SET work_mem = '64MB'", DDL),
                Arguments.of("REFRESH MATERIALIZED VIEW mv", DDL),
                Arguments.of("IMPORT FOREIGN SCHEMA x FROM SERVER s INTO y", DDL),
                Arguments.of("REASSIGN OWNED BY a TO b", DDL),
                Arguments.of("LOAD 'auto_explain'", DDL),
                Arguments.of("TRUNCATE customers", TRUNCATE),
                Arguments.of("TRUNCATE TABLE ONLY a, b RESTART IDENTITY CASCADE", TRUNCATE),
                // statements that create a table from a query
                Arguments.of("CREATE TABLE c2 AS SELECT * FROM customers", CREATE_TABLE_AS),
                Arguments.of("CREATE TEMP TABLE c3 AS TABLE customers", CREATE_TABLE_AS),
                Arguments.of("CREATE MATERIALIZED VIEW mv AS SELECT * FROM orders WITH NO DATA", CREATE_TABLE_AS),
                Arguments.of("CREATE UNLOGGED TABLE IF NOT EXISTS c4 AS SELECT 1", CREATE_TABLE_AS),
                Arguments.of("SELECT * INTO TEMP c5 FROM customers", SELECT_INTO),
                Arguments.of("SELECT id INTO c6 FROM customers", SELECT_INTO),
                Arguments.of("SELECT * INTO TEMPORARY TABLE c7 FROM customers WHERE id > 1", SELECT_INTO),
                // EXPLAIN
                Arguments.of("EXPLAIN SELECT * FROM customers", EXPLAIN),
                Arguments.of("EXPLAIN (FORMAT JSON, COSTS false) SELECT 1", EXPLAIN),
                Arguments.of("EXPLAIN (ANALYZE off) DELETE FROM orders", EXPLAIN),
                Arguments.of("EXPLAIN ANALYZE SELECT * FROM customers", SELECT),
                Arguments.of("EXPLAIN ANALYZE VERBOSE UPDATE orders SET total = 0", UPDATE),
                Arguments.of("EXPLAIN (ANALYZE, FORMAT JSON) DELETE FROM orders", DELETE),
                // queries
                Arguments.of("SELECT 1", SELECT),
                Arguments.of("(SELECT 1) UNION (SELECT 2)", SELECT),
                Arguments.of("VALUES (1), (2)", SELECT),
                Arguments.of("TABLE customers", SELECT),
                Arguments.of("SELECT now()", SELECT),
                Arguments.of("WITH x AS (SELECT 1) SELECT * FROM x", SELECT),
                Arguments.of("WITH RECURSIVE t(n) AS (VALUES (1) UNION ALL SELECT n+1 FROM t WHERE n < 5) "
                        + "SELECT sum(n) FROM t", SELECT),
                Arguments.of("WITH x AS (SELECT id FROM customers) UPDATE orders SET cid = NULL "
                        + "WHERE cid IN (SELECT id FROM x)", UPDATE),
                Arguments.of("WITH update AS (SELECT 1), insert AS (SELECT 2) SELECT * FROM update, insert", SELECT),
                Arguments.of("INSERT INTO t VALUES (1)", INSERT),
                Arguments.of("UPDATE t SET a = 1 WHERE id = 2", UPDATE),
                Arguments.of("DELETE FROM t WHERE id = 3", DELETE),
                Arguments.of("MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN DELETE", MERGE),
                Arguments.of("SELECT * FROM customers FOR UPDATE SKIP LOCKED", SELECT),
                Arguments.of(PSQL_DESCRIBE, SELECT),
                Arguments.of(JDBC_TYPE_INFO, SELECT),
                // not statements
                Arguments.of("SELEC 1", OTHER),
                Arguments.of("FOO BAR", OTHER),
                Arguments.of("'just a string'", OTHER),
                Arguments.of("SELECT 'unterminated", OTHER),
                Arguments.of("(DELETE FROM t)", OTHER));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("corpus")
    void classifies(String sql, StatementKind kind) {
        StatementAnalysis a = analyzer.analyze(sql);
        assertEquals(kind, a.kind(), () -> sql + " -> " + a);
        if (kind == OTHER) {
            assertFalse(a.analyzable());
            assertNotNull(a.problem());
        } else {
            assertTrue(a.analyzable(), () -> sql + " -> " + a.problem());
        }
    }

    /** The statements JSqlParser 5.3 rejects are understood without it (or with normalised input). */
    @Test
    void jsqlParserRejectsAreClassified() {
        record Case(String sql, StatementKind kind, Set<TableName> tables) {
        }
        TableName customers = TableName.unqualified("customers");
        List<Case> cases = List.of(
                new Case("BEGIN", TRANSACTION, Set.of()),
                new Case("SET search_path TO app, public", GATEWAY_SETTING, Set.of()),
                new Case("COPY customers TO STDOUT", COPY_OUT, Set.of(customers)),
                new Case("DECLARE c CURSOR FOR SELECT * FROM customers", SELECT, Set.of(customers)),
                new Case("FETCH 10 FROM c", UTILITY, Set.of()),
                new Case("PREPARE p AS SELECT * FROM customers WHERE id = $1", SELECT, Set.of(customers)),
                new Case("DO $$ BEGIN NULL; END $$", DO, Set.of()),
                new Case("SELECT * INTO TEMP t FROM customers", SELECT_INTO,
                        Set.of(TableName.unqualified("t"), customers)),
                new Case("LISTEN jobs", UTILITY, Set.of()),
                new Case("NOTIFY jobs", UTILITY, Set.of()),
                new Case("VACUUM customers", MAINTENANCE, Set.of()),
                new Case("SELECT relname FROM pg_catalog.pg_class WHERE relname OPERATOR(pg_catalog.~) '^x$'",
                        SELECT, Set.of(new TableName("pg_catalog", "pg_class"))),
                new Case("SELECT relname FROM pg_catalog.pg_class WHERE relname = 'x' COLLATE pg_catalog.default",
                        SELECT, Set.of(new TableName("pg_catalog", "pg_class"))));
        assertEquals(13, cases.size());
        for (Case c : cases) {
            StatementAnalysis a = analyzer.analyze(c.sql());
            assertEquals(c.kind(), a.kind(), c.sql());
            assertTrue(a.analyzable(), () -> c.sql() + ": " + a.problem());
            assertEquals(c.tables(), a.tables(), c.sql());
        }
    }

    @Test
    void psqlDescribeQueryIsReadable() {
        StatementAnalysis a = analyzer.analyzeText(PSQL_DESCRIBE).statements().get(0);
        assertTrue(a.analyzable(), a::problem);
        assertEquals(Set.of(new TableName("pg_catalog", "pg_class"), new TableName("pg_catalog", "pg_namespace")),
                a.tables());
        assertTrue(a.functions().contains(new FunctionName("pg_catalog", "pg_table_is_visible")));
        assertTrue(a.columns().contains(new ColumnRef(new TableName("pg_catalog", "pg_class"), "relname")));
    }

    @Test
    void wrappedQueriesAreUnwrapped() {
        Classification copy = classify("COPY (SELECT ssn FROM customers) TO STDOUT");
        assertEquals(COPY_OUT, copy.kind());
        assertEquals("SELECT ssn FROM customers", copy.wrapped().inner().query());

        Classification table = classify("COPY public.customers (id, ssn) TO STDOUT");
        assertEquals(List.of(new TableName("public", "customers")), table.tables());
        assertEquals("SELECT id, ssn FROM public.customers", table.plannableSql());

        Classification declare = classify("DECLARE c CURSOR WITH HOLD FOR SELECT 1");
        assertEquals("SELECT 1", declare.wrapped().inner().query());

        Classification prepare = classify("PREPARE p (int, text) AS DELETE FROM t WHERE id = $1");
        assertEquals(new PreparedRef(PreparedRef.Use.DEFINE, "p", "DELETE FROM t WHERE id = $1"), prepare.prepared());
        assertNull(prepare.plannableSql());

        Classification execute = classify("EXECUTE \"P\"(1, 'x')");
        assertEquals(new PreparedRef(PreparedRef.Use.EXECUTE, "P", null), execute.prepared());
        assertEquals("SELECT 1, 'x'", execute.wrapped().inner().query());

        Classification call = classify("CALL app.archive(days => 30, dry_run := true)");
        assertEquals(List.of(new FunctionName("app", "archive")), call.functions());
        assertEquals("SELECT 30, true", call.wrapped().inner().query());

        Classification into = classify("SELECT a, b INTO TEMP TABLE x FROM t WHERE a > 1");
        assertEquals(SELECT_INTO, into.kind());
        assertEquals("SELECT a, b  FROM t WHERE a > 1", into.query());

        Classification ctas = classify("CREATE TABLE x AS SELECT * FROM t WITH NO DATA");
        assertEquals("SELECT * FROM t", ctas.wrapped().inner().query());

        Classification explain = classify("EXPLAIN (ANALYZE true, BUFFERS) SELECT 1");
        assertEquals(SELECT, explain.kind());
        assertEquals(Classification.Use.RUNS, explain.wrapped().use());
    }

    @Test
    void dataChangingCtesAddTheirKinds() {
        StatementAnalysis a = analyzer.analyze("WITH d AS (DELETE FROM orders RETURNING *), "
                + "i AS (INSERT INTO archive SELECT * FROM d RETURNING id) SELECT count(*) FROM i");
        assertEquals(SELECT, a.kind());
        assertEquals(Set.of(SELECT, DELETE, INSERT), a.kinds());
        assertEquals(Set.of(TableName.unqualified("orders"), TableName.unqualified("archive")), a.tables());
    }

    private static Classification classify(String sql) {
        return UtilityClassifier.classify(sql, SqlLexer.lex(sql));
    }
}
