package dev.pgwarden.approvals.slack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import dev.pgwarden.testing.FakeSlackServer;
import dev.pgwarden.testing.Gateway;
import dev.pgwarden.testing.GatewayTestResource;
import dev.pgwarden.testing.Jdbc;
import dev.pgwarden.testing.PostgresFixture;
import dev.pgwarden.testing.SlackCallbacks;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * The whole loop with the gateway's own decider: a pgjdbc session's statement is held, its card
 * appears in Slack (and Teams), a signed click on the card's own button decides it, the session
 * resumes or fails, and the card shows the outcome.
 */
@QuarkusTest
@QuarkusTestResource(GatewayTestResource.class)
@TestProfile(SlackApprovalsProfile.class)
class SlackApprovalsThroughGatewayTest {
    static final Duration WAIT = Duration.ofSeconds(30);
    static final String HELD = "SELECT id FROM orders ORDER BY id";
    static final HttpClient HTTP = HttpClient.newHttpClient();

    @TestHTTPResource("/slack/interactivity")
    URI endpoint;

    FakeSlackServer slack;

    @BeforeEach
    void reset() {
        slack = SlackProfile.slack;
        slack.clear();
        slack.addUser("U0ALICE", "alice", "alice@example.com");
        slack.addUser("U0CAROL", "carol", "carol@example.com");
    }

    @Test
    void aClickOnTheSlackCardResumesTheHeldSessionAndTheCardsShowTheOutcome() throws Exception {
        int teamsBefore = SlackProfile.teams.messages().size();
        try (Connection c = Gateway.connect("agent-slack", "", "analysts"); Statement st = c.createStatement()) {
            CompletableFuture<List<String>> rows = CompletableFuture.supplyAsync(() -> ids(st, HELD));
            FakeSlackServer.Request card = slack.await("chat.postMessage", 1, WAIT).get(0);
            JsonNode blocks = card.jsonParam("blocks");
            assertTrue(blocks.toString().contains(HELD), blocks.toString());
            JsonNode approve = blocks.get(3).get("elements").get(0);
            String id = approve.get("value").asText();
            assertTrue(blocks.get(4).toString().contains("https://pgwarden.example.com/console/approvals.html?id=" + id),
                    blocks.get(4).toString());
            assertFalse(rows.isDone(), "the statement waits for a decision");

            String ts = slack.posted().get(0).substring(SlackProfile.CHANNEL.length() + 1);
            long clickedAt = System.nanoTime();
            assertEquals(200, click("U0ALICE", "alice", approve.get("action_id").asText(), id, ts));
            long ackedAt = System.nanoTime();
            assertEquals(PostgresFixture.ORDER_COUNT, rows.get(30, TimeUnit.SECONDS).size());
            System.out.printf("slack: click acknowledged in %d ms, rows at the client %d ms after the click%n",
                    (ackedAt - clickedAt) / 1_000_000, (System.nanoTime() - clickedAt) / 1_000_000);
            String reply = slack.await("response_url", 1, WAIT).get(0).json().get("text").asText();
            assertTrue(reply.contains("approved"), reply);
            FakeSlackServer.Request update = slack.await("chat.update", 1, WAIT).get(0);
            assertEquals(ts, update.params().get("ts"));
            String updated = update.jsonParam("blocks").toString();
            assertTrue(updated.contains("*Approved* by alice (Slack)"), updated);
            assertFalse(updated.contains("\"actions\""), "the buttons are gone");

            List<JsonNode> teams = SlackProfile.teams.await(teamsBefore + 2, WAIT);
            assertTrue(teams.get(teamsBefore).toString().contains("Review and approve"));
            assertTrue(teams.get(teamsBefore + 1).toString().contains("Approved by alice (Slack)"),
                    teams.get(teamsBefore + 1).toString());
        }
    }

    @Test
    void theRequesterCannotApproveThemselvesFromSlackAndADenialReachesTheClient() throws Exception {
        // carol asks through the gateway (her token's subject is her e-mail) and is also a Slack approver.
        try (Connection c = Gateway.connect("carol@example.com", "", "analysts"); Statement st = c.createStatement()) {
            CompletableFuture<List<String>> rows = CompletableFuture.supplyAsync(() -> ids(st, HELD));
            JsonNode blocks = slack.await("chat.postMessage", 1, WAIT).get(0).jsonParam("blocks");
            JsonNode approve = blocks.get(3).get("elements").get(0);
            JsonNode deny = blocks.get(3).get("elements").get(1);
            String id = approve.get("value").asText();
            String ts = slack.posted().get(0).substring(SlackProfile.CHANNEL.length() + 1);

            click("U0CAROL", "carol", approve.get("action_id").asText(), id, ts);
            String refused = slack.await("response_url", 1, WAIT).get(0).json().get("text").asText();
            assertTrue(refused.contains("yourself"), refused);
            assertFalse(rows.isDone(), "still waiting: her click changed nothing");
            assertTrue(slack.requests("chat.update").isEmpty());

            click("U0ALICE", "alice", deny.get("action_id").asText(), id, ts);
            assertTrue(slack.await("response_url", 2, WAIT).get(1).json().get("text").asText().contains("denied"));
            ExecutionException e = assertThrows(ExecutionException.class, () -> rows.get(30, TimeUnit.SECONDS));
            assertTrue(e.getCause() instanceof SQLException, e.toString());
            SQLException sql = (SQLException) e.getCause();
            assertEquals("42501", sql.getSQLState());
            assertTrue(sql.getMessage().contains("alice (Slack)"), sql.getMessage());
            String updated = slack.await("chat.update", 1, WAIT).get(0).jsonParam("blocks").toString();
            assertTrue(updated.contains("*Denied* by alice (Slack)"), updated);
        }
    }

    private int click(String userId, String userName, String actionId, String value, String ts) throws Exception {
        byte[] body = SlackCallbacks.form(SlackCallbacks.blockActions(userId, userName, actionId, value,
                SlackProfile.CHANNEL, ts, slack.responseUrl(userId)));
        SlackCallbacks.Signed signed = SlackCallbacks.sign(SlackProfile.SIGNING_SECRET, Instant.now(), body);
        long start = System.nanoTime();
        int status = HTTP.send(HttpRequest.newBuilder(endpoint)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("X-Slack-Request-Timestamp", signed.timestamp())
                .header("X-Slack-Signature", signed.signature())
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.discarding())
                .statusCode();
        System.out.printf("slack: %s's click answered %d in %d ms%n", userName, status,
                (System.nanoTime() - start) / 1_000_000);
        return status;
    }

    private static List<String> ids(Statement st, String sql) {
        return Jdbc.firstColumn(st, sql);
    }
}
