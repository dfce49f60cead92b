package dev.pgwarden.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import dev.pgwarden.approvals.ApprovalsProfile;
import dev.pgwarden.identity.dev.DevIssuer;
import dev.pgwarden.testing.GatewayProcess;
import dev.pgwarden.testing.Jdbc;
import dev.pgwarden.testing.PgTarget;
import dev.pgwarden.testing.Pgbench;
import dev.pgwarden.testing.PolicyFiles;
import dev.pgwarden.testing.PostgresFixture;
import dev.pgwarden.testing.ProcessResult;

/**
 * PostgreSQL restarted ({@code pg_ctl stop -m fast}, then start) under load from pgbench and pgjdbc,
 * with the gateway's store on the same server, so the approvals LISTEN connection is cut too. Sessions
 * in flight end with 57P01 or 08006 (an ErrorResponse or a close, never a hang); readiness goes DOWN,
 * then UP; after that, without restarting the gateway, new sessions work at once, and so do the parts
 * that live on the gateway's own connections: masking (catalog cache, lineage side connection), the
 * planner's estimate ({@code estimated_rows_over}, per-role side connection) and an approval decided
 * through the API (LISTEN connection).
 */
class UpstreamRestartIT {
    /**
     * What a client may see when its server goes away or is not back yet (a login attempt in between),
     * and 53000: the audit store lives on the same server, and a fail-closed trail refuses statements
     * while it cannot record them.
     */
    static final Set<String> OUTAGE_STATES = Set.of("57P01", "08006", "08001", "08003", "57P03", "53000");

    static PostgresFixture pg;
    static DevIssuer issuer;
    static GatewayProcess gateway;
    static FaultClients clients;

    @BeforeAll
    static void start() throws Exception {
        pg = PostgresFixture.startNew();
        String store = pg.createStore("pgwarden_store_restart");
        issuer = DevIssuer.start("127.0.0.1", 0, "pgwarden");
        Path policy = PolicyFiles.temp("restart", ApprovalsProfile.POLICY);
        Map<String, String> env = GatewayProcess.environment(pg, store, issuer, policy);
        env.put("PGWARDEN_APPROVALS_TIMEOUT", "PT90S");
        env.put("PGWARDEN_MASKING_HASH_KEY", "fault-test-hash-key-0123456789");
        gateway = GatewayProcess.start("upstream-restart", env);
        clients = new FaultClients(gateway, issuer);
    }

    @AfterAll
    static void stop() {
        if (gateway != null) {
            gateway.close();
        }
        if (issuer != null) {
            issuer.close();
        }
        if (pg != null) {
            pg.stop();
        }
    }

    @Test
    void aRestartOfPostgresEndsSessionsInFlightAndTheGatewayRecoversWithoutARestart() throws Exception {
        String rawSsn = pg.queryForString("SELECT ssn FROM customers ORDER BY id LIMIT 1");
        // Before: the side connections, catalog cache and LISTEN connection are all in use.
        String maskedBefore = firstValue("agent-before", "SELECT ssn FROM customers ORDER BY id LIMIT 1");
        assertNotEquals(rawSsn, maskedBefore, "masked before the restart");

        AtomicBoolean loading = new AtomicBoolean(true);
        Map<String, AtomicInteger> failures = new ConcurrentHashMap<>();
        AtomicInteger okBefore = new AtomicInteger();
        AtomicInteger okAfter = new AtomicInteger();
        AtomicBoolean restarted = new AtomicBoolean();
        List<CompletableFuture<Void>> workers = new java.util.ArrayList<>();
        for (int i = 0; i < 4; i++) {
            String subject = "agent-jdbc-" + i;
            workers.add(CompletableFuture.runAsync(() -> jdbcLoop(subject, loading, restarted, okBefore, okAfter,
                    failures)));
        }
        PgTarget bench = new PgTarget("127.0.0.1", gateway.pgPort(), "agent-bench", PostgresFixture.DATABASE,
                clients.agentToken("agent-bench"));
        CompletableFuture<ProcessResult> pgbench = CompletableFuture.supplyAsync(() -> Pgbench.to(bench)
                .timeout(Duration.ofMinutes(2)).stdin("SELECT id, amount FROM orders WHERE id = 7;\n")
                .run("-n", "-c", "8", "-j", "2", "-T", "12", "-f", "/dev/stdin"));
        CompletableFuture<String> sleeper = CompletableFuture.supplyAsync(() -> {
            try (Connection c = clients.connect("agent-sleeper"); Statement s = c.createStatement()) {
                s.execute("SELECT pg_sleep(60)");
                return "finished (it should have been ended)";
            } catch (SQLException e) {
                return e.getSQLState();
            }
        });
        Thread.sleep(3_000); // load runs, the sleeper is in flight

        long stopped = System.nanoTime();
        pg.stopServer(); // pg_ctl stop -m fast: what pg_ctl restart -m fast does first
        Duration down = clients.awaitReadiness(s -> s == 503, Duration.ofSeconds(30));
        String inFlight = sleeper.get(30, TimeUnit.SECONDS);
        pg.startServer();
        restarted.set(true);
        Duration up = clients.awaitReadiness(s -> s == 200, Duration.ofSeconds(60));
        System.out.printf("upstream restart: readiness DOWN %d ms after the stop, UP %d ms after the start;"
                + " the statement in flight ended with %s%n", down.toMillis(), up.toMillis(), inFlight);
        assertTrue(inFlight.equals("57P01") || inFlight.equals("08006"), "in flight: " + inFlight);

        // New sessions work at once, and so does everything built on the gateway's own connections.
        assertEquals("1", firstValue("agent-after", "SELECT 1"), "a new session right after readiness is UP");
        String maskedAfter = firstValue("agent-after", "SELECT ssn FROM customers ORDER BY id LIMIT 1");
        assertEquals(maskedBefore, maskedAfter, "the catalog cache masks as before");
        String derived = firstValue("agent-after",
                "SELECT s FROM (SELECT upper(ssn) AS s, id FROM customers) x ORDER BY id LIMIT 1");
        assertNotEquals(rawSsn.toUpperCase(), derived, "a derived column is masked (lineage side connection)");
        assertEquals(List.of("1", "2", "3"), rows("agent-after", "SELECT id FROM orders WHERE id <= 3 ORDER BY id"),
                "a small read passes: its estimate came from the planner, under the session's role");
        heldAndApprovedAfterTheRestart();

        loading.set(false);
        CompletableFuture.allOf(workers.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        ProcessResult bench1 = pgbench.get(90, TimeUnit.SECONDS);
        System.out.printf("upstream restart: pgjdbc clients %d statements before, %d after the restart; errors"
                + " by SQLSTATE %s%n", okBefore.get(), okAfter.get(), failures);
        System.out.println("upstream restart: pgbench exit " + bench1.exitCode() + "\n" + bench1.out() + "\n"
                + bench1.stderr().lines().filter(l -> l.contains("error")).limit(8).toList());
        assertTrue(okAfter.get() > 0, "the pgjdbc clients' new sessions succeed after the restart");
        assertFalse(failures.isEmpty(), "the restart was felt by the pgjdbc clients");
        assertTrue(OUTAGE_STATES.containsAll(failures.keySet()), "only outage errors: " + failures);
        // pgbench ends (no hang); its clients were ended by the shutdown, reported as errors, not as hangs.
        assertTrue(bench1.stderr().contains("terminating connection due to administrator command")
                || bench1.stderr().contains("server closed the connection")
                || bench1.stderr().contains("upstream"), bench1.stderr());
        assertFalse(gateway.log().contains("Unhandled exception"), gateway.logTail());
    }

    /** A big read is held (its estimate is known again), approved through the API, resumed by NOTIFY. */
    private void heldAndApprovedAfterTheRestart() throws Exception {
        try (Connection c = clients.connect("agent-held"); Statement st = c.createStatement()) {
            CompletableFuture<List<String>> held = CompletableFuture.supplyAsync(
                    () -> Jdbc.firstColumn(st, "SELECT id FROM orders"));
            JsonNode pending = clients.awaitPending("agent-held", Duration.ofSeconds(30));
            assertTrue(pending.path("estimatedRows").asLong() >= 500, pending.toString());
            assertFalse(held.isDone());
            long clicked = System.nanoTime();
            assertEquals("DECIDED", clients.approve(pending.path("id").asText()).path("result").asText());
            assertEquals(PostgresFixture.ORDER_COUNT, held.get(30, TimeUnit.SECONDS).size());
            System.out.printf("upstream restart: approval after the restart resumed its session in %d ms%n",
                    (System.nanoTime() - clicked) / 1_000_000);
        }
    }

    private static void jdbcLoop(String subject, AtomicBoolean loading, AtomicBoolean restarted,
            AtomicInteger okBefore, AtomicInteger okAfter, Map<String, AtomicInteger> failures) {
        Connection c = null;
        while (loading.get()) {
            try {
                if (c == null) {
                    c = clients.connect(subject);
                }
                try (Statement s = c.createStatement()) {
                    s.executeQuery("SELECT count(*) FROM orders WHERE id < 10").close();
                }
                (restarted.get() ? okAfter : okBefore).incrementAndGet();
            } catch (SQLException e) {
                failures.computeIfAbsent(String.valueOf(e.getSQLState()), k -> new AtomicInteger()).incrementAndGet();
                closeQuietly(c);
                c = null;
                sleep(100);
            }
        }
        closeQuietly(c);
    }

    private static void closeQuietly(Connection c) {
        if (c != null) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // already broken
            }
        }
    }

    private String firstValue(String subject, String sql) throws SQLException {
        return rows(subject, sql).get(0);
    }

    private List<String> rows(String subject, String sql) throws SQLException {
        try (Connection c = clients.connect(subject); Statement s = c.createStatement()) {
            return Jdbc.firstColumn(s, sql);
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
