package dev.pgwarden.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import dev.pgwarden.approvals.ApprovalsProfile;
import dev.pgwarden.identity.dev.DevIssuer;
import dev.pgwarden.testing.GatewayProcess;
import dev.pgwarden.testing.Jdbc;
import dev.pgwarden.testing.PolicyFiles;
import dev.pgwarden.testing.PostgresFixture;
import dev.pgwarden.testing.TcpRelay;

/**
 * The gateway's store fails over while two sessions are held for approval: the store's server stops
 * and comes back on another port behind the same address (a TCP relay standing in for a DNS name or
 * virtual IP). No approval is lost (both still PENDING afterwards), each held session resumes exactly
 * once when approved after the store is back: the client gets its rows once, and PostgreSQL ran the
 * statement once (counted in the upstream's statement log).
 */
class StoreFailoverIT {
    static PostgresFixture upstream;
    static PostgresFixture storeCluster;
    static TcpRelay storeAddress;
    static DevIssuer issuer;
    static GatewayProcess gateway;
    static FaultClients clients;

    @BeforeAll
    static void start() throws Exception {
        // Every statement is logged, so a statement run twice upstream would show.
        upstream = PostgresFixture.startNew(Map.of("log_statement", "'all'"));
        storeCluster = PostgresFixture.startNew();
        storeCluster.createStore("pgwarden_store_failover");
        storeAddress = TcpRelay.start(storeCluster.port());
        String store = "jdbc:postgresql://127.0.0.1:" + storeAddress.port() + "/pgwarden_store_failover";
        issuer = DevIssuer.start("127.0.0.1", 0, "pgwarden");
        Path policy = PolicyFiles.temp("failover", ApprovalsProfile.POLICY);
        Map<String, String> env = GatewayProcess.environment(upstream, store, issuer, policy);
        env.put("PGWARDEN_APPROVALS_TIMEOUT", "PT120S");
        gateway = GatewayProcess.start("store-failover", env);
        clients = new FaultClients(gateway, issuer);
    }

    @AfterAll
    static void stop() {
        if (gateway != null) {
            gateway.close();
        }
        if (storeAddress != null) {
            storeAddress.close();
        }
        if (issuer != null) {
            issuer.close();
        }
        if (storeCluster != null) {
            storeCluster.stop();
        }
        if (upstream != null) {
            upstream.stop();
        }
    }

    @Test
    void pendingApprovalsSurviveAStoreFailoverAndEachSessionResumesOnce() throws Exception {
        try (Connection a = clients.connect("agent-held-a"); Statement sa = a.createStatement();
                Connection b = clients.connect("agent-held-b"); Statement sb = b.createStatement()) {
            CompletableFuture<List<String>> rowsA = CompletableFuture.supplyAsync(
                    () -> Jdbc.firstColumn(sa, "SELECT id /* resume-once-a */ FROM orders"));
            CompletableFuture<List<String>> rowsB = CompletableFuture.supplyAsync(
                    () -> Jdbc.firstColumn(sb, "SELECT id /* resume-once-b */ FROM orders"));
            String idA = clients.awaitPending("agent-held-a", Duration.ofSeconds(30)).path("id").asText();
            String idB = clients.awaitPending("agent-held-b", Duration.ofSeconds(30)).path("id").asText();

            storeCluster.stopServer();
            int oldPort = storeCluster.port();
            Thread.sleep(2_000); // the replica notices: its LISTEN connection and pool are cut
            HttpResponse<String> whileDown = clients.post("/api/approvals/" + idA + "/approve", "{}");
            storeCluster.startServerOnNewPort();
            storeAddress.retarget(storeCluster.port());
            System.out.printf("store failover: store moved from port %d to %d behind 127.0.0.1:%d; an approve"
                    + " while it was down answered %d%n", oldPort, storeCluster.port(), storeAddress.port(),
                    whileDown.statusCode());
            assertTrue(whileDown.statusCode() >= 500, "nothing can be decided without the store: "
                    + whileDown.statusCode() + " " + whileDown.body());

            JsonNode a1 = awaitStoreAnswer(idA);
            assertEquals("PENDING", a1.path("status").asText(), "approval A survived the failover");
            assertEquals("PENDING", clients.approval(idB).path("status").asText(), "approval B too");
            assertFalse(rowsA.isDone() || rowsB.isDone(), "both sessions still held");

            long clicked = System.nanoTime();
            assertEquals("DECIDED", clients.approve(idA).path("result").asText());
            assertEquals(PostgresFixture.ORDER_COUNT, rowsA.get(30, TimeUnit.SECONDS).size());
            System.out.printf("store failover: approve after the failover to rows: %d ms%n",
                    (System.nanoTime() - clicked) / 1_000_000);
            assertEquals("DECIDED", clients.approve(idB).path("result").asText());
            assertEquals(PostgresFixture.ORDER_COUNT, rowsB.get(30, TimeUnit.SECONDS).size());
            assertEquals("ALREADY_DECIDED", clients.approve(idA).path("result").asText(), "decided once");

            // Still the same sessions, usable, and each held statement ran upstream exactly once.
            assertEquals(List.of("1"), Jdbc.firstColumn(sa, "SELECT 1"));
            assertEquals(List.of("1"), Jdbc.firstColumn(sb, "SELECT 1"));
            Thread.sleep(6_000); // a second resume would come from the 5 s re-check of held ids
            assertEquals(1, executions("resume-once-a"), upstream.logFile().toString());
            assertEquals(1, executions("resume-once-b"), upstream.logFile().toString());
            assertEquals(List.of("2"), Jdbc.firstColumn(sa, "SELECT 2"), "no stray result on the session");
        }
    }

    /** The first answer of the approvals API once the store is reachable again (the pool reconnects). */
    private static JsonNode awaitStoreAnswer(String id) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        HttpResponse<String> r = null;
        int failed = 0;
        while (System.nanoTime() < deadline) {
            r = clients.get("/api/approvals/" + id);
            if (r.statusCode() == 200) {
                System.out.printf("store failover: the API answered again after %d failed call(s)%n", failed);
                return FaultClients.JSON.readTree(r.body());
            }
            failed++;
            Thread.sleep(200);
        }
        throw new AssertionError("the approvals API did not recover: " + r.statusCode() + " " + r.body());
    }

    /** How often PostgreSQL ran a statement carrying {@code marker} for a client (EXPLAINs excluded). */
    private static int executions(String marker) throws Exception {
        Matcher m = Pattern.compile("(statement|execute [^:]*): SELECT id /\\* " + marker + " \\*/")
                .matcher(Files.readString(upstream.logFile()));
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }
}
