package dev.pgwarden.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.pgwarden.identity.dev.DevIssuer;
import dev.pgwarden.testing.GatewayProcess;
import dev.pgwarden.testing.GatewayTestResource;
import dev.pgwarden.testing.Jdbc;
import dev.pgwarden.testing.PolicyFiles;
import dev.pgwarden.testing.PostgresFixture;

/**
 * SIGTERM to the packaged gateway while its audit store is down and a client waits for the
 * acknowledgement of a statement whose record cannot be written: the process exits within
 * {@code shutdown-grace} plus {@code shutdown-drain} (plus JVM start-up's mirror image), counts and
 * logs what it could not write, and the client never saw that statement acknowledged. When the
 * store and the replica are back, the session whose end was lost is closed as {@code gateway crashed}
 * and the trail verifies.
 */
class ShutdownWithStoreDownIT {
    static final Duration GRACE = Duration.ofSeconds(2);
    static final Duration DRAIN = Duration.ofSeconds(2);
    /**
     * Generous for a loaded machine, yet below what it took before the drain was bounded: the grace,
     * then the writer retrying for its fixed 10 s (over 12 s in all).
     */
    static final Duration BOUND = GRACE.plus(DRAIN).plusSeconds(6);

    static PostgresFixture storeCluster;
    static DevIssuer issuer;
    static Map<String, String> env;
    static String store;

    @BeforeAll
    static void start() throws java.io.IOException {
        storeCluster = PostgresFixture.startNew();
        store = storeCluster.createStore("pgwarden_store_shutdown");
        issuer = DevIssuer.start("127.0.0.1", 0, "pgwarden");
        Path policy = PolicyFiles.temp("shutdown", GatewayTestResource.POLICY);
        env = GatewayProcess.environment(PostgresFixture.shared(), store, issuer, policy);
        env.put("PGWARDEN_AUDIT_REPLICA_ID", "replica-shutdown");
        env.put("PGWARDEN_LISTEN_SHUTDOWN_GRACE", "PT" + GRACE.toSeconds() + "S");
        env.put("PGWARDEN_AUDIT_SHUTDOWN_DRAIN", "PT" + DRAIN.toSeconds() + "S");
    }

    @AfterAll
    static void stop() {
        if (issuer != null) {
            issuer.close();
        }
        if (storeCluster != null) {
            storeCluster.stop();
        }
    }

    @Test
    void sigtermWithTheStoreDownEndsWithinTheGracePlusABoundedDrain() throws Exception {
        GatewayProcess gateway = GatewayProcess.start("shutdown-store-down", env);
        Duration took;
        CompletableFuture<String> inFlight;
        try (Connection c = connect(gateway, "agent-shutdown")) {
            Statement st = c.createStatement();
            assertEquals(List.of("1"), Jdbc.firstColumn(st, "SELECT 1"));
            inFlight = CompletableFuture.supplyAsync(() -> {
                try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT pg_sleep(2)")) {
                    rs.next();
                    return "acknowledged";
                } catch (SQLException e) {
                    return "failed: " + e.getSQLState() + " " + e.getMessage();
                }
            });
            Thread.sleep(300); // the statement is running upstream
            storeCluster.stopServer();
            Thread.sleep(2_500); // it has finished upstream; its acknowledgement waits for a record nobody can write
            took = gateway.terminate(Duration.ofSeconds(60));
        } catch (SQLException closedUnderUs) {
            throw new AssertionError("the client connection failed outside the statement: " + closedUnderUs);
        } finally {
            gateway.close();
        }
        assertNotNull(took, "the gateway did not exit within 60 s of SIGTERM");
        System.out.printf("shutdown with the store down took %d ms (grace %s, drain %s)%n", took.toMillis(), GRACE,
                DRAIN);
        assertTrue(took.compareTo(BOUND) < 0, "exit took " + took + ", more than " + BOUND + "\n" + gateway.logTail());
        String outcome = inFlight.get(10, TimeUnit.SECONDS);
        assertTrue(outcome.startsWith("failed"), "the client never saw the unrecorded statement acknowledged: "
                + outcome);
        String log = gateway.log();
        assertTrue(log.contains("could not be written before shutdown"), gateway.logTail());

        storeCluster.startServer();
        GatewayProcess again = GatewayProcess.start("shutdown-store-back", env);
        try {
            assertEquals(CrashRecovery.END_REASON, endReason("agent-shutdown"), "its lost end is recorded now");
            assertEquals(1, statementCount("agent-shutdown"), "only the acknowledged statement is in the trail");
            try (Connection s = storeConnection()) {
                ChainVerifier.Report report = ChainVerifier.verify(s);
                assertTrue(report.ok(), report.toString());
            }
        } finally {
            again.close();
        }
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
}
