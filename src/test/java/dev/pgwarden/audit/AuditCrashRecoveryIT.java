package dev.pgwarden.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.pgwarden.identity.dev.DevIssuer;
import dev.pgwarden.testing.GatewayProcess;
import dev.pgwarden.testing.GatewayTestResource;
import dev.pgwarden.testing.Jdbc;
import dev.pgwarden.testing.PolicyFiles;
import dev.pgwarden.testing.PostgresFixture;

/**
 * Two packaged gateway processes share one store. One is killed with SIGKILL while its client's
 * session is open and a statement is running: the trail keeps that session open (nobody recorded
 * its end). Started again under
 * the same replica id, it closes that session as {@code gateway crashed}, chained like any end,
 * while the other replica's open session is left alone; the whole trail verifies, through
 * {@code /api/audit/verify} and the command-line {@code AuditVerify}.
 */
class AuditCrashRecoveryIT {
    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newHttpClient();

    static DevIssuer issuer;
    static String store;
    static Map<String, String> env;
    static GatewayProcess crashing;
    static GatewayProcess restarted;
    static GatewayProcess other;

    @BeforeAll
    static void start() throws java.io.IOException {
        PostgresFixture pg = PostgresFixture.shared();
        store = pg.createStore("pgwarden_store_crash");
        issuer = DevIssuer.start("127.0.0.1", 0, "pgwarden");
        Path policy = PolicyFiles.temp("crash", GatewayTestResource.POLICY);
        env = GatewayProcess.environment(pg, store, issuer, policy);
    }

    @AfterAll
    static void stop() {
        for (GatewayProcess g : new GatewayProcess[] { crashing, restarted, other }) {
            if (g != null) {
                g.close();
            }
        }
        if (issuer != null) {
            issuer.close();
        }
    }

    @Test
    void aKilledReplicaClosesTheSessionsItLeftOpenWhenItStartsAgain() throws Exception {
        crashing = GatewayProcess.start("crash-a", withReplica("replica-a"));
        other = GatewayProcess.start("crash-b", withReplica("replica-b"));
        try (Connection onOther = connect(other, "agent-on-b")) {
            Jdbc.firstColumn(onOther.createStatement(), "SELECT 1");
            Connection onCrashing = connect(crashing, "agent-on-a");
            try (Statement st = onCrashing.createStatement()) {
                for (int i = 1; i <= 3; i++) {
                    Jdbc.firstColumn(st, "SELECT " + i); // acknowledged, so committed in the store
                }
            }
            Thread inFlight = new Thread(() -> {
                try (Statement st = onCrashing.createStatement()) {
                    st.execute("SELECT pg_sleep(5)"); // still running when the gateway dies
                } catch (SQLException expected) {
                    // the gateway is gone
                }
            });
            inFlight.start();
            Thread.sleep(500);
            crashing.kill();
            inFlight.join(10_000);
            closeQuietly(onCrashing);

            // The problem: nobody recorded the end of the killed replica's session.
            assertNull(endReason("agent-on-a"), "the killed replica's session is still open in the trail");

            restarted = GatewayProcess.start("crash-a-restarted", withReplica("replica-a"));
            assertEquals(CrashRecovery.END_REASON, endReason("agent-on-a"));
            assertEquals(3, statementCount("agent-on-a"),
                    "it counts the statements its client saw acknowledged, not the one cut off");
            assertTrue(restarted.log().contains("closed 1 session(s) that replica 'replica-a' left open"),
                    restarted.logTail());
            assertNull(endReason("agent-on-b"), "the other replica's open session is left alone");
            assertVerifies(restarted);
        }
        awaitEnded("agent-on-b");
        assertEquals("client terminated", endReason("agent-on-b"));
        assertVerifies(other);
    }

    @Test
    void aSecondProcessCannotTakeARunningReplicasId() {
        GatewayProcess first = GatewayProcess.start("lease-a", withReplica("replica-lease"));
        try {
            IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                    () -> GatewayProcess.start("lease-a-twin", withReplica("replica-lease")));
            assertTrue(e.getMessage().contains("is in use by another running gateway"), e.getMessage());
        } finally {
            first.close();
        }
    }

    private static Map<String, String> withReplica(String id) {
        Map<String, String> e = new java.util.HashMap<>(env);
        e.put("PGWARDEN_AUDIT_REPLICA_ID", id);
        return e;
    }

    private static void assertVerifies(GatewayProcess g) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(g.httpUri("/api/audit/verify"))
                .header("Authorization", "Bearer " + issuer.token("auditor", List.of("auditors"), Duration.ofMinutes(5)))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        JsonNode v = JSON.readTree(r.body());
        assertTrue(v.path("ok").asBoolean(), r.body());

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int exit = AuditVerify.run(new String[] { "--url", store, "--user", PostgresFixture.STORE_USER }, Map.of(
                "QUARKUS_DATASOURCE_PASSWORD", PostgresFixture.STORE_PASSWORD), new PrintStream(out, true,
                        StandardCharsets.UTF_8), System.err);
        assertEquals(0, exit, out.toString(StandardCharsets.UTF_8));
    }

    private static Connection connect(GatewayProcess g, String subject) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", subject);
        p.setProperty("password", issuer.token(subject, List.of("analysts"), Duration.ofMinutes(10)));
        return Jdbc.connect(g.jdbcUrl() + "&assumeMinServerVersion=9.0", p);
    }

    private static Connection storeConnection() throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", PostgresFixture.STORE_USER);
        p.setProperty("password", PostgresFixture.STORE_PASSWORD);
        return Jdbc.connect(store, p);
    }

    private static String endReason(String subject) throws SQLException {
        return sessionColumn(subject, "end_reason");
    }

    private static int statementCount(String subject) throws SQLException {
        return Integer.parseInt(sessionColumn(subject, "statement_count"));
    }

    private static String sessionColumn(String subject, String column) throws SQLException {
        try (Connection c = storeConnection(); PreparedStatement ps = c.prepareStatement(
                "SELECT " + column + "::text FROM pgwarden.audit_session WHERE subject = ?")) {
            ps.setString(1, subject);
            try (ResultSet rs = ps.executeQuery()) {
                assertTrue(rs.next(), "no session of " + subject + " in the trail");
                return rs.getString(1);
            }
        }
    }

    private static void awaitEnded(String subject) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (endReason(subject) == null) {
            assertTrue(System.nanoTime() < deadline, "the end of " + subject + "'s session was never recorded");
            Thread.sleep(50);
        }
    }

    private static void closeQuietly(Connection c) {
        try {
            c.close();
        } catch (SQLException ignored) {
            // its gateway is gone
        }
    }
}
