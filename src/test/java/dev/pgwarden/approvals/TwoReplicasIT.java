package dev.pgwarden.approvals;

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
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.pgwarden.identity.dev.DevIssuer;
import dev.pgwarden.testing.FakeSlackServer;
import dev.pgwarden.testing.GatewayProcess;
import dev.pgwarden.testing.SlackCallbacks;
import dev.pgwarden.testing.Jdbc;
import dev.pgwarden.testing.PolicyFiles;
import dev.pgwarden.testing.PostgresFixture;

/**
 * Two gateway processes behind one imaginary load balancer, sharing one store: a session held by
 * one replica is resumed when the approval is clicked on the other (the store's NOTIFY carries it).
 */
class TwoReplicasIT {
    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newHttpClient();

    static final String SLACK_TOKEN = "xoxb-replicas-bot-token";
    static final String SLACK_SECRET = "replicas-test-signing-secret";
    static final String SLACK_CHANNEL = "C0REPLICAS";

    static DevIssuer issuer;
    static FakeSlackServer slack;
    static GatewayProcess a;
    static GatewayProcess b;

    @BeforeAll
    static void start() throws IOException {
        PostgresFixture pg = PostgresFixture.shared();
        String store = pg.createStore("pgwarden_store_replicas");
        issuer = DevIssuer.start("127.0.0.1", 0, "pgwarden");
        slack = FakeSlackServer.start(SLACK_TOKEN, SLACK_CHANNEL);
        slack.addUser("U0ALICE", "alice", "alice@example.com");
        Path policy = PolicyFiles.temp("replicas", ApprovalsProfile.POLICY);
        Map<String, String> env = GatewayProcess.environment(pg, store, issuer, policy);
        env.put("PGWARDEN_APPROVALS_TIMEOUT", "PT60S");
        env.put("QUARKUS_LOG_CATEGORY__DEV_PGWARDEN__LEVEL", "DEBUG");
        env.put("PGWARDEN_SLACK_API_URL", slack.apiUrl());
        env.put("PGWARDEN_SLACK_BOT_TOKEN", SLACK_TOKEN);
        env.put("PGWARDEN_SLACK_CHANNEL", SLACK_CHANNEL);
        env.put("PGWARDEN_SLACK_SIGNING_SECRET", SLACK_SECRET);
        env.put("PGWARDEN_SLACK_APPROVERS", "U0ALICE");
        a = GatewayProcess.start("replica-a", env);
        b = GatewayProcess.start("replica-b", env);
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
        if (slack != null) {
            slack.close();
        }
    }

    @Test
    void approvalOnOneReplicaResumesTheSessionHeldByTheOther() throws Exception {
        heldOnOneDecidedOnTheOther(a, b, "agent-on-a");
        heldOnOneDecidedOnTheOther(b, a, "agent-on-b");
    }

    private void heldOnOneDecidedOnTheOther(GatewayProcess holder, GatewayProcess decider, String agent)
            throws Exception {
        try (Connection c = connect(holder, agent); Statement st = c.createStatement()) {
            CompletableFuture<List<String>> rows = CompletableFuture.supplyAsync(() -> Jdbc.firstColumn(st, "SELECT id FROM orders ORDER BY id"));
            String id = awaitPending(decider, agent);
            assertFalse(rows.isDone());
            long clicked = System.nanoTime();
            JsonNode answer = post(decider, "/api/approvals/" + id + "/approve", "{\"reason\":\"replica test\"}");
            assertEquals("DECIDED", answer.path("result").asText(), answer.toString());
            List<String> got = rows.get(30, TimeUnit.SECONDS);
            System.out.printf("approvals across replicas: approve on one to rows on the other: %d ms%n",
                    (System.nanoTime() - clicked) / 1_000_000);
            assertEquals(PostgresFixture.ORDER_COUNT, got.size());
            JsonNode after = get(holder, "/api/approvals/" + id);
            assertEquals("APPROVED", after.path("status").asText());
            assertEquals("ann", after.path("decidedBy").asText());
        }
    }

    @Test
    void aSlackClickLandingOnTheOtherReplicaResumesTheSession() throws Exception {
        slack.clear();
        try (Connection c = connect(a, "agent-slack-a"); Statement st = c.createStatement()) {
            CompletableFuture<List<String>> rows = CompletableFuture.supplyAsync(() -> Jdbc.firstColumn(st, "SELECT id FROM orders"));
            FakeSlackServer.Request card = slack.await("chat.postMessage", 1, Duration.ofSeconds(30)).get(0);
            JsonNode approve = card.jsonParam("blocks").findValues("elements").stream()
                    .filter(e -> e.isArray() && e.size() > 0 && e.get(0).has("action_id")).findFirst().orElseThrow().get(0);
            String id = approve.path("value").asText();
            String ts = slack.posted().get(0).substring(SLACK_CHANNEL.length() + 1);
            byte[] body = SlackCallbacks.form(SlackCallbacks.blockActions("U0ALICE", "alice",
                    approve.path("action_id").asText(), id, SLACK_CHANNEL, ts, slack.responseUrl("U0ALICE")));
            SlackCallbacks.Signed signed = SlackCallbacks.sign(SLACK_SECRET, java.time.Instant.now(), body);
            long clicked = System.nanoTime();
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(b.httpUri("/slack/interactivity"))
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .header("X-Slack-Request-Timestamp", signed.timestamp())
                    .header("X-Slack-Signature", signed.signature())
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode(), r.body());
            assertEquals(PostgresFixture.ORDER_COUNT, rows.get(30, TimeUnit.SECONDS).size());
            System.out.printf("approvals across replicas: Slack click on B to rows on A: %d ms%n",
                    (System.nanoTime() - clicked) / 1_000_000);
            // The other test's card update may arrive late (cards are updated asynchronously, with retries).
            String updated = slack.awaitMentioning("chat.update", id, Duration.ofSeconds(30)).jsonParam("blocks").toString();
            assertTrue(updated.contains("alice (Slack)"), updated);
            assertEquals("APPROVED", get(a, "/api/approvals/" + id).path("status").asText());
        }
    }

    static Connection connect(GatewayProcess g, String subject) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", subject);
        p.setProperty("password", issuer.token(subject, List.of("analysts"), Duration.ofMinutes(10)));
        return Jdbc.connect(g.jdbcUrl(), p);
    }

    static String approverToken() {
        return issuer.token("ann", List.of("pgwarden-approvers"), Duration.ofMinutes(10));
    }

    static String awaitPending(GatewayProcess g, String subject) throws Exception {
        long deadline = System.currentTimeMillis() + 60_000; // a cold replica on a loaded CI machine
        while (System.currentTimeMillis() < deadline) {
            for (JsonNode r : get(g, "/api/approvals?status=PENDING")) {
                if (subject.equals(r.path("subject").asText())) {
                    return r.path("id").asText();
                }
            }
            Thread.sleep(25);
        }
        throw new AssertionError("no pending request for " + subject + " seen on the other replica");
    }

    static JsonNode get(GatewayProcess g, String path) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(g.httpUri(path))
                .header("Authorization", "Bearer " + approverToken()).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        return JSON.readTree(r.body());
    }

    static JsonNode post(GatewayProcess g, String path, String body) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(g.httpUri(path))
                .header("Authorization", "Bearer " + approverToken()).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertTrue(r.statusCode() == 200, r.statusCode() + " " + r.body());
        return JSON.readTree(r.body());
    }
}
