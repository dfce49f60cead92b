package dev.pgwarden.budgets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.pgwarden.identity.dev.DevIssuer;
import dev.pgwarden.testing.GatewayProcess;
import dev.pgwarden.testing.Jdbc;
import dev.pgwarden.testing.PolicyFiles;
import dev.pgwarden.testing.PostgresFixture;

/**
 * Two gateway processes sharing one store: what a subject received through one replica counts on
 * the other. An agent spends its budget on replica A; its next statement on replica B waits for
 * approval, and the denial clicked on A ends it.
 */
class BudgetsAcrossReplicasIT {
    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newHttpClient();
    static final String PAGE = "SELECT id, name FROM customers ORDER BY id LIMIT 50 OFFSET ";

    static DevIssuer issuer;
    static GatewayProcess a;
    static GatewayProcess b;

    @BeforeAll
    static void start() throws IOException {
        PostgresFixture pg = PostgresFixture.shared();
        String store = pg.createStore("pgwarden_store_budget_replicas");
        issuer = DevIssuer.start("127.0.0.1", 0, "pgwarden");
        Path policy = PolicyFiles.temp("budget-replicas", BudgetsProfile.POLICY);
        Map<String, String> env = GatewayProcess.environment(pg, store, issuer, policy);
        env.put("PGWARDEN_APPROVALS_TIMEOUT", "PT60S");
        a = GatewayProcess.start("budgets-a", env);
        b = GatewayProcess.start("budgets-b", env);
    }

    @AfterAll
    static void stop() {
        if (a != null) {
            a.close();
        }
        if (b != null) {
            b.close();
        }
        if (issuer != null) {
            issuer.close();
        }
    }

    @Test
    void rowsReceivedThroughOneReplicaCountOnTheOther() throws Exception {
        String agent = "agent-two-replicas";
        try (Connection c = connect(a, agent); Statement st = c.createStatement()) {
            assertEquals(50, Jdbc.firstColumn(st, PAGE + 0).size());
            assertEquals(10, Jdbc.firstColumn(st, PAGE.replace("LIMIT 50", "LIMIT 10") + 50).size());
        }
        // Replica B learns it from the store (A flushes, B reads back): no sessions of the agent on B so far.
        JsonNode usage = awaitUsage(b, agent);
        assertEquals(60, usage.path("rows").asLong(), usage.toString());
        assertTrue(usage.path("spent").asBoolean(), usage.toString());

        try (Connection c = connect(b, agent); Statement st = c.createStatement()) {
            CompletableFuture<List<String>> held = CompletableFuture.supplyAsync(() -> Jdbc.firstColumn(st, PAGE + 100));
            String id = awaitPending(b, agent);
            assertFalse(held.isDone(), "held on replica B");
            // Another subject on B is not held.
            try (Connection other = connect(b, "agent-two-replicas-bystander"); Statement o = other.createStatement()) {
                assertEquals(50, Jdbc.firstColumn(o, PAGE + 0).size());
            }
            JsonNode answer = post(a, "/api/approvals/" + id + "/deny", "{\"reason\":\"over budget on every replica\"}");
            assertEquals("DECIDED", answer.path("result").asText(), answer.toString());
            ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                    () -> held.get(30, TimeUnit.SECONDS));
            Throwable cause = e.getCause();
            while (!(cause instanceof SQLException)) {
                cause = cause.getCause();
            }
            assertEquals("42501", ((SQLException) cause).getSQLState(), cause.getMessage());
        }
        // Both replicas' metrics say one subject has spent the budget.
        for (GatewayProcess g : List.of(a, b)) {
            String scrape = HTTP.send(HttpRequest.newBuilder(g.httpUri("/q/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            assertTrue(scrape.contains("pgwarden_budget_subjects_over{budget=\"" + BudgetsProfile.BUDGET + "\"} 1.0"),
                    scrape.lines().filter(l -> l.startsWith("pgwarden_budget")).toList().toString());
        }
    }

    static Connection connect(GatewayProcess g, String subject) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", subject);
        p.setProperty("password", issuer.token(subject, List.of("analysts"), Duration.ofMinutes(10)));
        return Jdbc.connect(g.jdbcUrl(), p);
    }

    /** {@code subject}'s usage as {@code g}'s /api/budgets shows it, once it has spent the budget. */
    static JsonNode awaitUsage(GatewayProcess g, String subject) throws Exception {
        long deadline = System.currentTimeMillis() + 20_000;
        JsonNode last = null;
        while (System.currentTimeMillis() < deadline) {
            for (JsonNode budget : get(g, "/api/budgets", "alice", "auditors").path("budgets")) {
                for (JsonNode s : budget.path("subjects")) {
                    if (subject.equals(s.path("subject").asText())) {
                        last = s;
                        if (s.path("spent").asBoolean()) {
                            return s;
                        }
                    }
                }
            }
            Thread.sleep(100);
        }
        throw new AssertionError(g + " never saw " + subject + " spend its budget: " + last);
    }

    static String awaitPending(GatewayProcess g, String subject) throws Exception {
        long deadline = System.currentTimeMillis() + 20_000;
        while (System.currentTimeMillis() < deadline) {
            for (JsonNode r : get(g, "/api/approvals?status=PENDING", "ann", "pgwarden-approvers")) {
                if (subject.equals(r.path("subject").asText())) {
                    assertEquals(BudgetsProfile.BUDGET, r.path("rule").asText(), r.toString());
                    return r.path("id").asText();
                }
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no pending request for " + subject);
    }

    static JsonNode get(GatewayProcess g, String path, String who, String group) throws IOException, InterruptedException {
        HttpRequest req = HttpRequest.newBuilder(g.httpUri(path))
                .header("Authorization", "Bearer " + issuer.token(who, List.of(group), Duration.ofMinutes(5))).build();
        HttpResponse<String> r = HTTP.send(req, HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        return JSON.readTree(r.body());
    }

    static JsonNode post(GatewayProcess g, String path, String body) throws IOException, InterruptedException {
        HttpRequest req = HttpRequest.newBuilder(g.httpUri(path))
                .header("Authorization", "Bearer " + issuer.token("ann", List.of("pgwarden-approvers"), Duration.ofMinutes(5)))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        HttpResponse<String> r = HTTP.send(req, HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        return JSON.readTree(r.body());
    }
}
