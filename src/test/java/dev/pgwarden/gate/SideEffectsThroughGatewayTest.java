package dev.pgwarden.gate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.postgresql.util.PSQLException;

import dev.pgwarden.testing.Gateway;
import dev.pgwarden.testing.GatewayTestResource;
import dev.pgwarden.testing.Jdbc;
import dev.pgwarden.testing.PostgresFixture;
import dev.pgwarden.testing.ProcessResult;
import dev.pgwarden.testing.Psql;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * Writes inside reads, under the shipped example policy: each side effect is first shown to happen when the
 * statement runs straight against PostgreSQL as the agent's role ({@code analyst_ro}), then shown to be refused
 * through the gateway with nothing changed, in the simple and the extended protocol (and with psql for some).
 * Then the second layer: analysts' sessions are read-only in PostgreSQL itself, and no statement turns that off.
 */
@QuarkusTest
@QuarkusTestResource(GatewayTestResource.class)
@TestProfile(SideEffectsProfile.class)
class SideEffectsThroughGatewayTest {
    static final String REFUSAL = "agents may not call functions that change the database";
    static final String RULE = "rule agents-change-nothing";
    enum Protocol { SIMPLE, EXTENDED }

    static PostgresFixture pg;

    @BeforeAll
    static void fixture() {
        pg = PostgresFixture.shared(); // the objects themselves: SideEffectsProfile.Objects
    }

    // ---- running statements ------------------------------------------------------------------------------

    /** What the agent's own role could do without the gateway: a superuser connection that sets that role. */
    static Connection direct() throws SQLException {
        Connection c = pg.superuserConnection();
        try (Statement st = c.createStatement()) {
            st.execute("SET ROLE analyst_ro");
        }
        return c;
    }

    /** The same, logged in the way the gateway logs a read-only mapping in (default_transaction_read_only on). */
    static Connection directReadOnly() throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", pg.superuser());
        p.setProperty("password", pg.superuserPassword());
        p.setProperty("options", "-c default_transaction_read_only=on");
        Connection c = Jdbc.connect(pg.jdbcUrl(), p);
        try (Statement st = c.createStatement()) {
            st.execute("SET ROLE analyst_ro");
        }
        return c;
    }

    /** An analyst through the gateway: simple protocol, or extended with server-prepared statements at once. */
    static Connection gateway(Protocol p) throws SQLException {
        return Gateway.connect("agent-7", p == Protocol.SIMPLE ? "preferQueryMode=simple" : "prepareThreshold=1",
                "analysts");
    }

    static void run(Connection c, Protocol p, String sql) throws SQLException {
        if (p == Protocol.SIMPLE) {
            try (Statement st = c.createStatement()) {
                st.execute(sql);
            }
        } else {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                ps.execute();
            }
        }
    }

    static String first(Connection c, Protocol p, String sql) throws SQLException {
        try (Statement st = p == Protocol.SIMPLE ? c.createStatement() : c.prepareStatement(sql);
                ResultSet rs = st instanceof PreparedStatement ps ? ps.executeQuery() : st.executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    /** The statement is refused by the gateway's rule: 42501, the rule's message, the cause in the DETAIL. */
    static void assertRefused(Connection c, Protocol p, String sql) {
        SQLException e = assertThrows(SQLException.class, () -> run(c, p, sql), p + ": " + sql);
        PSQLException pe = assertInstanceOf(PSQLException.class, e);
        assertEquals("42501", pe.getSQLState(), p + ": " + sql + ": " + e.getMessage());
        assertEquals(REFUSAL, pe.getServerErrorMessage().getMessage(), sql);
        assertTrue(pe.getServerErrorMessage().getDetail().contains(RULE), pe.getServerErrorMessage().getDetail());
    }

    static void assertRefused(Protocol p, String sql) throws SQLException {
        try (Connection c = gateway(p)) {
            assertRefused(c, p, sql);
        }
    }

    // ---- what changes ------------------------------------------------------------------------------------

    static String sequence() {
        return pg.queryForString("SELECT last_value || '/' || is_called FROM sidefx_seq");
    }

    static String logRows() {
        return pg.queryForString("SELECT count(*) FROM sidefx_log");
    }

    static String largeObjects() {
        return pg.queryForString("SELECT count(*) FROM pg_largeobject_metadata");
    }

    static Stream<Arguments> sideEffects() {
        return Stream.of(
                Arguments.of("the sequence", "SELECT nextval('sidefx_seq')", (Callable<String>) () -> sequence()),
                Arguments.of("the sequence", "SELECT setval('sidefx_seq', 4242)", (Callable<String>) () -> sequence()),
                Arguments.of("the large objects", "SELECT lo_create(0)", (Callable<String>) () -> largeObjects()),
                Arguments.of("the large objects", "SELECT lo_from_bytea(0, 'payload')",
                        (Callable<String>) () -> largeObjects()),
                Arguments.of("the table a function writes", "SELECT sidefx_log_insert('hello')",
                        (Callable<String>) () -> logRows()),
                Arguments.of("the sequence a view reads", "SELECT n FROM sidefx_next_v",
                        (Callable<String>) () -> sequence()),
                Arguments.of("the sequence a view of a view reads", "SELECT * FROM sidefx_next_vv",
                        (Callable<String>) () -> sequence()),
                Arguments.of("the sequence an operator's function advances", "SELECT 1 @@ 2",
                        (Callable<String>) () -> sequence()));
    }

    @ParameterizedTest(name = "{1} changes {0}")
    @MethodSource("sideEffects")
    void aReadThatChangesTheDatabaseIsRefused(String what, String sql, Callable<String> state) throws Exception {
        String before = state.call();
        try (Connection c = direct(); Statement st = c.createStatement()) {
            st.execute(sql);
        }
        String changed = state.call();
        assertNotEquals(before, changed, "straight from PostgreSQL as analyst_ro, " + sql + " changes " + what);
        for (Protocol p : Protocol.values()) {
            assertRefused(p, sql);
            assertEquals(changed, state.call(), p + ": " + sql + " changed " + what + " through the gateway");
        }
    }

    @Test
    void psqlIsRefusedToo() {
        ProcessResult direct = Psql.to(pg.superuserTarget())
                .command("SET ROLE analyst_ro; SELECT nextval('sidefx_seq'), lo_from_bytea(0, 'x') > 0")
                .requireSuccess();
        assertTrue(direct.out().endsWith("|t"), direct.out());
        String sequence = sequence();
        String objects = largeObjects();
        for (String sql : List.of("SELECT nextval('sidefx_seq')", "SELECT lo_from_bytea(0, 'x')",
                "SELECT n FROM sidefx_next_v")) {
            ProcessResult r = Psql.to(Gateway.target("agent-7", "analysts")).args("-v", "VERBOSITY=verbose")
                    .command(sql);
            assertFalse(r.succeeded(), sql);
            assertTrue(r.stderr().contains("ERROR:  42501: " + REFUSAL), r.stderr());
            assertTrue(r.stderr().contains(RULE), r.stderr());
        }
        assertEquals(sequence, sequence());
        assertEquals(objects, largeObjects());
    }

    @Test
    void theDetailNamesWhatTheTextDoesNotShow() throws Exception {
        try (Connection c = gateway(Protocol.SIMPLE)) {
            PSQLException e = assertThrows(PSQLException.class, () -> run(c, Protocol.SIMPLE,
                    "SELECT * FROM sidefx_next_vv"));
            assertTrue(e.getServerErrorMessage().getDetail().endsWith(
                    RULE + ": reading public.sidefx_next_vv calls nextval(), which is volatile"),
                    e.getServerErrorMessage().getDetail());
        }
    }

    @Test
    void notificationsReachNoListener() throws Exception {
        try (Connection listener = pg.superuserConnection(); Statement l = listener.createStatement()) {
            l.execute("LISTEN sidefx_channel");
            PGConnection notifications = listener.unwrap(PGConnection.class);
            try (Connection c = direct(); Statement st = c.createStatement()) {
                st.execute("SELECT pg_notify('sidefx_channel', 'direct')");
            }
            assertEquals(List.of("direct"), payloadsUntil(notifications, "direct"),
                    "straight from PostgreSQL the listener hears analyst_ro");
            for (Protocol p : Protocol.values()) {
                assertRefused(p, "SELECT pg_notify('sidefx_channel', 'function-" + p + "')");
                assertRefused(p, "NOTIFY sidefx_channel, 'statement-" + p + "'");
            }
            ProcessResult r = Psql.to(Gateway.target("agent-7", "analysts")).command("NOTIFY sidefx_channel, 'psql'");
            assertFalse(r.succeeded());
            assertTrue(r.stderr().contains(REFUSAL), r.stderr());
            // notifications arrive in commit order: whatever the gateway had let through comes before this one
            pg.execute("NOTIFY sidefx_channel, 'sentinel'");
            assertEquals(List.of("sentinel"), payloadsUntil(notifications, "sentinel"));
        }
    }

    /** Payloads received until {@code last} arrives (or 30 s pass, which fails the caller's assertion). */
    static List<String> payloadsUntil(PGConnection listener, String last) throws SQLException {
        List<String> got = new ArrayList<>();
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (!got.contains(last) && System.nanoTime() < deadline) {
            PGNotification[] batch = listener.getNotifications(1000);
            if (batch != null) {
                for (PGNotification n : batch) {
                    got.add(n.getParameter());
                }
            }
        }
        return got;
    }

    @Test
    void advisoryLocksAreNotTaken() throws Exception {
        String held = "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = 77001";
        try (Connection c = direct(); Statement st = c.createStatement()) {
            st.execute("SELECT pg_advisory_lock(77001)");
            assertEquals("1", pg.queryForString(held), "straight from PostgreSQL the lock outlives the statement");
            st.execute("SELECT pg_advisory_unlock(77001)");
        }
        for (Protocol p : Protocol.values()) {
            try (Connection g = gateway(p)) {
                assertRefused(g, p, "SELECT pg_advisory_lock(77001)");
                assertRefused(g, p, "SELECT pg_try_advisory_lock(77001)");
                assertRefused(g, p, "SELECT pg_advisory_lock_shared(77001)");
                assertEquals("0", pg.queryForString(held), p + ": the gateway's session holds no lock");
            }
        }
    }

    @Test
    void customSettingsAreNotChanged() throws Exception {
        try (Connection c = direct(); Statement st = c.createStatement()) {
            st.execute("SELECT set_config('app.tenant', '7', false)");
            assertEquals("7", first(c, Protocol.SIMPLE, "SELECT current_setting('app.tenant', true)"),
                    "straight from PostgreSQL the setting sticks to the session (row-level security reads such)");
        }
        for (Protocol p : Protocol.values()) {
            try (Connection g = gateway(p)) {
                assertRefused(g, p, "SELECT set_config('app.tenant', '7', false)");
                assertRefused(g, p, "SET app.tenant = '7'");
                assertNull(first(g, p, "SELECT current_setting('app.tenant', true)"), p.toString());
            }
        }
    }

    @Test
    void noTransactionIdIsAssigned() throws Exception {
        try (Connection c = direct()) {
            c.setAutoCommit(false);
            run(c, Protocol.SIMPLE, "SAVEPOINT s");
            run(c, Protocol.SIMPLE, "SELECT txid_current()");
            run(c, Protocol.SIMPLE, "ROLLBACK TO SAVEPOINT s");
            assertNotNull(first(c, Protocol.SIMPLE, "SELECT txid_current_if_assigned()"),
                    "straight from PostgreSQL txid_current() (marked stable) assigns a transaction id");
            c.rollback();
        }
        for (Protocol p : Protocol.values()) {
            try (Connection g = gateway(p)) {
                g.setAutoCommit(false);
                run(g, p, "SAVEPOINT s");
                assertRefused(g, p, "SELECT txid_current()");
                run(g, p, "ROLLBACK TO SAVEPOINT s");
                assertRefused(g, p, "SELECT pg_current_xact_id()");
                run(g, p, "ROLLBACK TO SAVEPOINT s");
                assertNull(first(g, p, "SELECT txid_current_if_assigned()"), p + ": no id was assigned");
                g.rollback();
            }
        }
    }

    @Test
    void harmlessVolatileBuiltinsAndReadsStillRun() throws Exception {
        for (Protocol p : Protocol.values()) {
            try (Connection g = gateway(p)) {
                assertEquals("true", first(g, p, "SELECT (random() < 1 AND gen_random_uuid() IS NOT NULL"
                        + " AND clock_timestamp() IS NOT NULL AND timeofday() <> ''"
                        + " AND pg_table_size('customers') > 0)::text"), p.toString());
                assertEquals(pg.queryForString("SELECT name FROM customers WHERE id = 11"),
                        first(g, p, "SELECT name FROM customers WHERE id = 11"));
                assertEquals(pg.queryForString("SELECT count(*) FROM orders"),
                        first(g, p, "SELECT count(*) FROM orders"));
            }
        }
        ProcessResult r = Psql.to(Gateway.target("agent-7", "analysts"))
                .command("SELECT count(*) > 0 FROM customers TABLESAMPLE BERNOULLI (50) REPEATABLE (42)");
        assertEquals("t", r.requireSuccess().out());
    }

    // ---- the second layer: PostgreSQL's own read-only mode ----------------------------------------------------

    @Test
    void postgresRefusesAWriteTheRuleCannotSee() throws Exception {
        String before = sequence();
        try (Connection c = direct(); Statement st = c.createStatement()) {
            st.execute("SELECT sidefx_sneaky_next()");
        }
        String changed = sequence();
        assertNotEquals(before, changed, "straight from PostgreSQL, a STABLE function advances the sequence");
        for (Protocol p : Protocol.values()) {
            try (Connection g = gateway(p)) {
                assertEquals("on", first(g, p, "SHOW default_transaction_read_only"));
                SQLException e = assertThrows(SQLException.class, () -> run(g, p, "SELECT sidefx_sneaky_next()"));
                assertEquals("25006", e.getSQLState(), "PostgreSQL's own refusal, not the rule's: " + e.getMessage());
                assertTrue(e.getMessage().contains("cannot execute nextval() in a read-only transaction"),
                        e.getMessage());
            }
        }
        assertEquals(changed, sequence());
        try (Connection support = Gateway.connect("agent-3", "", "support")) {
            assertEquals("off", first(support, Protocol.EXTENDED, "SHOW default_transaction_read_only"),
                    "only read_only mappings are read-only");
        }
    }

    static Stream<Arguments> waysBackToReadWrite() {
        return Stream.of(
                Arguments.of(List.of("SET default_transaction_read_only = off")),
                Arguments.of(List.of("SET SESSION default_transaction_read_only TO false")),
                Arguments.of(List.of("SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE")),
                Arguments.of(List.of("SELECT set_config('default_transaction_read_only', 'off', false)")),
                Arguments.of(List.of("DO $$ BEGIN SET default_transaction_read_only = off; END $$")),
                Arguments.of(List.of("BEGIN READ WRITE")),
                Arguments.of(List.of("START TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ WRITE")),
                Arguments.of(List.of("BEGIN", "SET TRANSACTION READ WRITE")),
                Arguments.of(List.of("BEGIN", "SET LOCAL transaction_read_only = off")));
    }

    /**
     * Each way is first shown to make the agent's session writable when it was logged in read-only as the gateway
     * does it; through the gateway it is refused and the session stays read-only.
     */
    @ParameterizedTest
    @MethodSource("waysBackToReadWrite")
    void everyWayBackToReadWriteIsRefused(List<String> statements) throws Exception {
        try (Connection c = directReadOnly(); Statement st = c.createStatement()) {
            assertEquals("on", first(c, Protocol.SIMPLE, "SHOW transaction_read_only"));
            for (String sql : statements) {
                st.execute(sql);
            }
            assertEquals("off", first(c, Protocol.SIMPLE, "SHOW transaction_read_only"),
                    "straight from PostgreSQL, " + statements + " makes the session writable");
            st.execute("ROLLBACK");
        }
        String change = statements.get(statements.size() - 1);
        for (Protocol p : Protocol.values()) {
            try (Connection g = gateway(p)) {
                for (String sql : statements.subList(0, statements.size() - 1)) {
                    run(g, p, sql);
                }
                SQLException e = assertThrows(SQLException.class, () -> run(g, p, change));
                assertEquals("42501", e.getSQLState(), e.getMessage());
                assertTrue(e.getMessage().contains("pgwarden does not allow this setting change: the session is "
                        + "read-only"), e.getMessage());
                run(g, p, "ROLLBACK");
                assertEquals("on", first(g, p, "SHOW transaction_read_only"), p + ": " + statements);
            }
        }
    }

    /**
     * Forms that would not make this session writable (RESET returns to the gateway's login value; set_config of
     * transaction_read_only comes after the statement's snapshot; ALTER ROLE is refused in a read-only transaction
     * and applies to later logins) are refused all the same.
     */
    @ParameterizedTest
    @ValueSource(strings = {"RESET default_transaction_read_only", "RESET transaction_read_only", "RESET ALL",
            "DISCARD ALL", "SELECT set_config('transaction_read_only', 'off', false)",
            "ALTER ROLE analyst_ro SET default_transaction_read_only = off"})
    void formsThatCouldNotWorkAreRefusedToo(String sql) throws Exception {
        for (Protocol p : Protocol.values()) {
            try (Connection g = gateway(p)) {
                SQLException e = assertThrows(SQLException.class, () -> run(g, p, sql));
                assertEquals("42501", e.getSQLState(), e.getMessage());
                assertEquals("on", first(g, p, "SHOW default_transaction_read_only"));
            }
        }
    }

    @Test
    void aClientCannotLogInReadWrite() {
        ProcessResult psql = Psql.to(Gateway.target("agent-7", "analysts"))
                .env("PGOPTIONS", "-c default_transaction_read_only=off")
                .command("SHOW default_transaction_read_only");
        assertEquals("on", psql.requireSuccess().out());
        ProcessResult refused = Psql.to(Gateway.target("agent-7", "analysts"))
                .command("SET default_transaction_read_only = off");
        assertFalse(refused.succeeded());
        assertTrue(refused.stderr().contains("the session is read-only"), refused.stderr());
        // a group that is not mapped read-only may
        Psql.to(Gateway.target("agent-3", "support")).command("SET default_transaction_read_only = off")
                .requireSuccess();
    }
}
