package dev.pgwarden.proxy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.StringReader;
import java.io.StringWriter;
import java.math.BigDecimal;
import java.sql.BatchUpdateException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLWarning;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.postgresql.copy.CopyManager;

import dev.pgwarden.testing.Gateway;
import dev.pgwarden.testing.GatewayTestResource;
import dev.pgwarden.testing.PostgresFixture;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;

/** pgjdbc through the gateway, with default settings and with prepareThreshold=1 + binary transfer. */
@QuarkusTest
@QuarkusTestResource(GatewayTestResource.class)
class JdbcThroughGatewayTest {

    @BeforeEach
    void cleanItems() {
        PostgresFixture.shared().execute("TRUNCATE items");
    }

    @Test
    void sessionRunsUnderTheMappedRoleNotTheGatewayLogin() throws Exception {
        try (Connection c = Gateway.analyst(); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT current_user, count(*) FROM customers GROUP BY 1")) {
            assertTrue(rs.next());
            assertEquals("analyst_ro", rs.getString(1));
            assertEquals(PostgresFixture.CUSTOMER_COUNT, rs.getInt(2));
        }
        try (Connection c = Gateway.connect("agent-9", "", "support"); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT current_user")) {
            assertTrue(rs.next());
            assertEquals("support_ro", rs.getString(1));
        }
    }

    @Test
    void theMappedRolesPrivilegesApply() throws Exception {
        try (Connection c = Gateway.analyst(); Statement st = c.createStatement()) {
            SQLException e = assertThrows(SQLException.class,
                    () -> st.executeUpdate("INSERT INTO customers(name) VALUES ('x')"));
            assertEquals("42501", e.getSQLState());
            // The session survives the error.
            try (ResultSet rs = st.executeQuery("SELECT 1")) {
                assertTrue(rs.next());
            }
        }
    }

    @Test
    void preparedStatementsWithDefaultSettingsBecomeServerPrepared() throws Exception {
        try (Connection c = Gateway.analyst();
                PreparedStatement ps = c.prepareStatement("SELECT name, email FROM customers WHERE id = ?")) {
            // pgjdbc switches to a named server-side statement after 5 executions.
            for (int i = 1; i <= 12; i++) {
                ps.setInt(1, i);
                try (ResultSet rs = ps.executeQuery()) {
                    assertTrue(rs.next(), "row " + i);
                    assertTrue(rs.getString(2).contains("@"));
                }
            }
        }
    }

    @Test
    void binaryParametersAndResultsWithPrepareThresholdOne() throws Exception {
        try (Connection c = Gateway.connect("agent-7", "prepareThreshold=1&binaryTransfer=true", "analysts");
                PreparedStatement ps = c.prepareStatement(
                        "SELECT ?::int4 + 1, ?::bytea, ?::timestamptz, ?::numeric * 2, ?::float8, ?::text")) {
            Timestamp ts = Timestamp.from(Instant.parse("2024-02-29T12:34:56.789Z"));
            for (int i = 0; i < 3; i++) {
                ps.setInt(1, 41);
                ps.setBytes(2, new byte[] { 0, 1, 2, (byte) 0xff });
                ps.setTimestamp(3, ts);
                ps.setBigDecimal(4, new BigDecimal("12.34"));
                ps.setDouble(5, 2.5);
                ps.setString(6, "zażółć");
                try (ResultSet rs = ps.executeQuery()) {
                    assertTrue(rs.next());
                    assertEquals(42, rs.getInt(1));
                    assertArrayEquals(new byte[] { 0, 1, 2, (byte) 0xff }, rs.getBytes(2));
                    assertEquals(ts, rs.getTimestamp(3));
                    assertEquals(new BigDecimal("24.68"), rs.getBigDecimal(4));
                    assertEquals(2.5, rs.getDouble(5));
                    assertEquals("zażółć", rs.getString(6));
                }
            }
        }
    }

    @Test
    void transactionsCommitAndRollBack() throws Exception {
        try (Connection c = Gateway.analyst(); Statement st = c.createStatement()) {
            c.setAutoCommit(false);
            st.executeUpdate("INSERT INTO items VALUES (1, 'kept')");
            c.commit();
            st.executeUpdate("INSERT INTO items VALUES (2, 'rolled back')");
            c.rollback();
            c.setAutoCommit(true);
            try (ResultSet rs = st.executeQuery("SELECT string_agg(payload, ',') FROM items")) {
                rs.next();
                assertEquals("kept", rs.getString(1));
            }
        }
    }

    @Test
    void pipelinedBatchWithAnErrorSkipsToSyncAndTheSessionStaysUsable() throws Exception {
        try (Connection c = Gateway.connect("agent-7", "prepareThreshold=1", "analysts")) {
            c.setAutoCommit(false);
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO items VALUES (?, ?)")) {
                for (int i = 1; i <= 50; i++) {
                    ps.setInt(1, i == 30 ? 1 : i); // 30 duplicates 1: unique violation mid-pipeline
                    ps.setString(2, "p" + i);
                    ps.addBatch();
                }
                BatchUpdateException e = assertThrows(BatchUpdateException.class, ps::executeBatch);
                assertEquals("23505", e.getSQLState());
            }
            c.rollback();
            c.setAutoCommit(true);
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT count(*) FROM items")) {
                rs.next();
                assertEquals(0, rs.getInt(1), "the failed transaction left nothing behind");
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO items VALUES (?, ?)")) {
                for (int i = 1; i <= 100; i++) {
                    ps.setInt(1, i);
                    ps.setString(2, "ok" + i);
                    ps.addBatch();
                }
                assertEquals(100, ps.executeBatch().length);
            }
        }
    }

    @Test
    void copyInAndCopyOut() throws Exception {
        try (Connection c = Gateway.analyst()) {
            CopyManager copy = c.unwrap(PGConnection.class).getCopyAPI();
            StringBuilder data = new StringBuilder();
            for (int i = 1; i <= 5000; i++) {
                data.append(i).append('\t').append("payload ").append(i).append('\n');
            }
            assertEquals(5000, copy.copyIn("COPY items FROM STDIN", new StringReader(data.toString())));
            StringWriter out = new StringWriter();
            assertEquals(5000, copy.copyOut("COPY (SELECT * FROM items ORDER BY id) TO STDOUT", out));
            assertEquals(data.toString(), out.toString());
        }
    }

    @Test
    void noticesAndParameterStatusReachTheClient() throws Exception {
        try (Connection c = Gateway.analyst(); Statement st = c.createStatement()) {
            st.execute("DO $$ BEGIN RAISE NOTICE 'hello from plpgsql'; END $$");
            SQLWarning w = st.getWarnings();
            assertTrue(w != null && w.getMessage().contains("hello from plpgsql"), String.valueOf(w));
            st.execute("SET application_name = 'renamed-app'");
            assertEquals("renamed-app", c.unwrap(org.postgresql.core.BaseConnection.class)
                    .getQueryExecutor().getParameterStatus("application_name"));
        }
    }

    @Test
    void listenNotifyAcrossTwoSessions() throws Exception {
        try (Connection listener = Gateway.analyst(); Connection notifier = Gateway.connect("agent-8", "", "support")) {
            try (Statement st = listener.createStatement()) {
                st.execute("LISTEN orders_changed");
            }
            try (Statement st = notifier.createStatement()) {
                st.execute("NOTIFY orders_changed, 'order 42'");
            }
            PGNotification[] got = listener.unwrap(PGConnection.class).getNotifications(10_000);
            assertTrue(got != null && got.length == 1, "one notification");
            assertEquals("orders_changed", got[0].getName());
            assertEquals("order 42", got[0].getParameter());
        }
    }

    @Test
    void cancelStopsARunningQueryAndTheSessionContinues() throws Exception {
        try (Connection c = Gateway.analyst(); Statement st = c.createStatement()) {
            CompletableFuture<Void> cancel = CompletableFuture.runAsync(() -> {
                try {
                    Thread.sleep(500);
                    st.cancel();
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            long start = System.nanoTime();
            SQLException e = assertThrows(SQLException.class, () -> st.execute("SELECT pg_sleep(30)"));
            assertEquals("57014", e.getSQLState());
            assertTrue(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start) < 20, "cancelled, not timed out");
            cancel.get();
            try (ResultSet rs = st.executeQuery("SELECT 7")) {
                rs.next();
                assertEquals(7, rs.getInt(1));
            }
        }
    }

    @Test
    void largeResultStreamsWithACursor() throws Exception {
        try (Connection c = Gateway.analyst()) {
            c.setAutoCommit(false);
            try (Statement st = c.createStatement()) {
                st.setFetchSize(5000);
                long sum = 0;
                long rows = 0;
                try (ResultSet rs = st.executeQuery("SELECT g FROM generate_series(1, 1000000) g")) {
                    while (rs.next()) {
                        sum += rs.getLong(1);
                        rows++;
                    }
                }
                assertEquals(1_000_000, rows);
                assertEquals(500_000_500_000L, sum);
            }
            c.commit();
        }
    }

    @Test
    void multiStatementSimpleQuery() throws Exception {
        try (Connection c = Gateway.connect("agent-7", "preferQueryMode=simple", "analysts");
                Statement st = c.createStatement()) {
            assertTrue(st.execute("SELECT 1; SELECT 2, 3"));
            try (ResultSet rs = st.getResultSet()) {
                rs.next();
                assertEquals(1, rs.getInt(1));
            }
            assertTrue(st.getMoreResults());
            try (ResultSet rs = st.getResultSet()) {
                rs.next();
                assertEquals(3, rs.getInt(2));
            }
            assertFalse(st.getMoreResults());
        }
    }
}
