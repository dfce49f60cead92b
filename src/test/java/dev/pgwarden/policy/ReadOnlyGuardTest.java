package dev.pgwarden.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Set;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Every way back to read-write is found, and refused only for sessions whose role mapping is read-only. */
class ReadOnlyGuardTest {
    static final PolicyPrincipal AGENT = new PolicyPrincipal("agent-7", Set.of("analysts"));
    static final PolicyPrincipal CLERK = new PolicyPrincipal("sam", Set.of("support"));

    static StatementAnalyzer analyzer;
    static PolicyEngine engine;

    @BeforeAll
    static void start() throws Exception {
        analyzer = new StatementAnalyzer();
        engine = new PolicyEngine(PolicyLoader.parse("""
                roles:
                  - group: analysts
                    role: analyst_ro
                    read_only: true
                  - group: support
                    role: support_ro
                """.getBytes(StandardCharsets.UTF_8), "test.yaml"), analyzer);
    }

    @AfterAll
    static void stop() {
        analyzer.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "SET default_transaction_read_only = off",
            "SET default_transaction_read_only TO false",
            "SET SESSION default_transaction_read_only = 'off'",
            "set \"Default_Transaction_Read_Only\" = 0",
            "SET default_transaction_read_only TO DEFAULT",
            "SET default_transaction_read_only = of",
            "SET LOCAL transaction_read_only = off",
            "SET transaction_read_only TO no",
            "SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE",
            "SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL SERIALIZABLE, READ WRITE",
            "SET TRANSACTION READ WRITE",
            "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ WRITE",
            "BEGIN READ WRITE",
            "BEGIN TRANSACTION ISOLATION LEVEL REPEATABLE READ READ WRITE",
            "begin work read write, deferrable",
            "START TRANSACTION READ WRITE",
            "SELECT set_config('default_transaction_read_only', 'off', false)",
            "SELECT pg_catalog.set_config('transaction_read_only', 'off', true)",
            "SELECT set_config('DEFAULT_TRANSACTION_READ_ONLY', 'off', false)",
            "SELECT 1 FROM customers WHERE set_config('transaction_read_only', 'off', true) IS NOT NULL",
            "RESET default_transaction_read_only",
            "RESET transaction_read_only",
            "ALTER ROLE analyst_ro SET default_transaction_read_only = off",
            "ALTER DATABASE shop SET default_transaction_read_only TO off",
            "CREATE FUNCTION f() RETURNS int LANGUAGE sql SET default_transaction_read_only = off AS 'SELECT 1'",
            "DO $$ BEGIN SET default_transaction_read_only = off; END $$",
            "DO $$ BEGIN PERFORM set_config('default_transaction_read_only', 'off', false); END $$",
            "DO $$ BEGIN EXECUTE 'SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE'; END $$",
            "DO $$ BEGIN EXECUTE format('SET %s = off', 'default_transaction_read_only'); END $$",
    })
    void waysBackToReadWriteAreRefusedForReadOnlySessions(String sql) {
        StatementAnalysis a = analyzer.analyze(sql);
        assertNotNull(a.readWrite(), sql);
        Decision d = engine.decide(AGENT, sql, DecisionContext.NONE);
        assertEquals(Action.BLOCK, d.action(), sql);
        assertEquals(Decision.Basis.GATEWAY_SETTING, d.basis(), sql);
        assertEquals("42501", d.sqlState());
        assertTrue(d.message().startsWith("pgwarden does not allow this setting change: the session is read-only, "
                + "and "), d.message());
        // a session that is not read-only may do it
        assertEquals(Action.ALLOW, engine.decide(CLERK, sql, DecisionContext.NONE).action(), sql);
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "SET default_transaction_read_only = on",
            "SET SESSION default_transaction_read_only TO true",
            "SET transaction_read_only = 'on'",
            "SET LOCAL transaction_read_only TO 1",
            "BEGIN",
            "BEGIN READ ONLY",
            "START TRANSACTION ISOLATION LEVEL SERIALIZABLE, READ ONLY, DEFERRABLE",
            "SET TRANSACTION READ ONLY",
            "SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY",
            "SHOW default_transaction_read_only",
            "SELECT current_setting('transaction_read_only')",
            "SELECT set_config('app.tenant', '7', false)",
            "SELECT read write FROM customers",
            "COMMIT",
    })
    void readOnlyStaysReadOnly(String sql) {
        assertNull(analyzer.analyze(sql).readWrite(), sql);
        assertEquals(Action.ALLOW, engine.decide(AGENT, sql, DecisionContext.NONE).action(), sql);
    }

    @Test
    void resetAllAndDiscardAllStayRefusedForEveryone() {
        for (String sql : new String[] {"RESET ALL", "DISCARD ALL"}) {
            assertEquals(Decision.Basis.ROLE_CHANGE, engine.decide(AGENT, sql, DecisionContext.NONE).basis());
            assertEquals(Decision.Basis.ROLE_CHANGE, engine.decide(CLERK, sql, DecisionContext.NONE).basis());
        }
    }

    @Test
    void aPreparedStatementCannotCarryItEither() {
        assertEquals(Action.BLOCK, engine.decide(AGENT,
                "PREPARE p AS SELECT set_config('transaction_read_only', 'off', true)", DecisionContext.NONE).action());
        assertEquals(Action.BLOCK, engine.decide(AGENT, "BEGIN; SET TRANSACTION READ WRITE; COMMIT",
                DecisionContext.NONE).action());
    }
}
