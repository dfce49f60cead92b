package dev.pgwarden.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.pgwarden.approvals.ApprovalsProfile;
import dev.pgwarden.identity.dev.DevIssuer;
import dev.pgwarden.testing.FakeSlackServer;
import dev.pgwarden.testing.GatewayProcess;
import dev.pgwarden.testing.Jdbc;
import dev.pgwarden.testing.PolicyFiles;
import dev.pgwarden.testing.PostgresFixture;

/**
 * Slack down: first answering 500 to every call, then not answering at all (the gateway's
 * {@code pgwarden.slack.timeout} cut to 1 s), for {@link #OUTAGE} in all (seconds rather than the
 * minute of the issue: the gateway's behaviour is the same, retries with a backoff capped by
 * {@code channel-retry-max-backoff}, here 1 s). Meanwhile approvals work through the console API, and
 * once Slack is back the card of the request still pending is posted (once) and its outcome shown;
 * the request decided during the outage gets no card.
 */
class SlackOutageIT {
    static final String TOKEN = "xoxb-outage-bot-token";
    static final String CHANNEL = "C0OUTAGE";
    static final Duration OUTAGE = Duration.ofSeconds(8);

    static DevIssuer issuer;
    static FakeSlackServer slack;
    static GatewayProcess gateway;
    static FaultClients clients;

    @BeforeAll
    static void start() throws Exception {
        PostgresFixture pg = PostgresFixture.shared();
        String store = pg.createStore("pgwarden_store_slack_outage");
        issuer = DevIssuer.start("127.0.0.1", 0, "pgwarden");
        slack = FakeSlackServer.start(TOKEN, CHANNEL);
        Path policy = PolicyFiles.temp("slack-outage", ApprovalsProfile.POLICY);
        Map<String, String> env = GatewayProcess.environment(pg, store, issuer, policy);
        env.put("PGWARDEN_APPROVALS_TIMEOUT", "PT90S");
        env.put("PGWARDEN_SLACK_API_URL", slack.apiUrl());
        env.put("PGWARDEN_SLACK_BOT_TOKEN", TOKEN);
        env.put("PGWARDEN_SLACK_CHANNEL", CHANNEL);
        env.put("PGWARDEN_SLACK_SIGNING_SECRET", "outage-test-signing-secret");
        env.put("PGWARDEN_SLACK_APPROVERS", "U0ALICE");
        env.put("PGWARDEN_SLACK_TIMEOUT", "PT1S");
        env.put("PGWARDEN_APPROVALS_CHANNEL_RETRY_MAX_BACKOFF", "PT1S");
        gateway = GatewayProcess.start("slack-outage", env);
        clients = new FaultClients(gateway, issuer);
    }

    @AfterAll
    static void stop() {
        if (gateway != null) {
            gateway.close();
        }
        if (slack != null) {
            slack.close();
        }
        if (issuer != null) {
            issuer.close();
        }
    }

    @Test
    void approvalsWorkThroughTheConsoleWhileSlackIsDownAndCardsArePostedWhenItIsBack() throws Exception {
        slack.outage(FakeSlackServer.Outage.ERRORS);
        long outageStarted = System.nanoTime();
        try (Connection a = clients.connect("agent-decided-in-console"); Statement sa = a.createStatement();
                Connection b = clients.connect("agent-waits-for-slack"); Statement sb = b.createStatement()) {
            // A: held, its card fails with 500s, approved in the console during the outage.
            CompletableFuture<List<String>> rowsA = CompletableFuture.supplyAsync(
                    () -> Jdbc.firstColumn(sa, "SELECT id FROM orders"));
            String idA = clients.awaitPending("agent-decided-in-console", Duration.ofSeconds(30)).path("id").asText();
            slack.await("chat.postMessage", 2, Duration.ofSeconds(30)); // the first post and a retry, both 500
            assertEquals("DECIDED", clients.approve(idA).path("result").asText());
            assertEquals(PostgresFixture.ORDER_COUNT, rowsA.get(30, TimeUnit.SECONDS).size(),
                    "approved through the console while Slack answers 500s");

            // B: held while Slack does not answer at all.
            slack.outage(FakeSlackServer.Outage.TIMEOUTS);
            int before = slack.requests("chat.postMessage").size();
            CompletableFuture<List<String>> rowsB = CompletableFuture.supplyAsync(
                    () -> Jdbc.firstColumn(sb, "SELECT id FROM orders"));
            String idB = clients.awaitPending("agent-waits-for-slack", Duration.ofSeconds(30)).path("id").asText();
            slack.await("chat.postMessage", before + 2, Duration.ofSeconds(30)); // timed out, retried
            assertTrue(slack.posted().isEmpty(), "nothing got through during the outage");
            long left = OUTAGE.toNanos() - (System.nanoTime() - outageStarted);
            if (left > 0) {
                Thread.sleep(left / 1_000_000);
            }
            int attemptsDuringOutage = slack.requests("chat.postMessage").size();
            slack.endOutage();

            // Slack is back: B's card is posted by a retry; A, decided meanwhile, gets none.
            FakeSlackServer.Request card = awaitPostedCard();
            String blocks = card.params().get("blocks");
            assertTrue(blocks.contains(idB), "the card is B's: " + blocks);
            assertFalse(blocks.contains(idA), blocks);
            System.out.printf("slack outage: %d chat.postMessage attempts during the %d s outage (500s, then"
                    + " 1 s timeouts)%n", attemptsDuringOutage, OUTAGE.toSeconds());
            assertFalse(rowsB.isDone());
            assertEquals("DECIDED", clients.approve(idB).path("result").asText());
            assertEquals(PostgresFixture.ORDER_COUNT, rowsB.get(30, TimeUnit.SECONDS).size());
            String updated = slack.await("chat.update", 1, Duration.ofSeconds(30)).get(0).params().get("blocks");
            assertTrue(updated.contains("ann"), "the card shows who approved: " + updated);
            Thread.sleep(3_000); // past the retry backoff: no second card for anyone
            assertEquals(1, slack.posted().size(), "one card posted: " + slack.posted());
        }
    }

    private static FakeSlackServer.Request awaitPostedCard() throws InterruptedException {
        long backAt = System.nanoTime();
        long deadline = backAt + Duration.ofSeconds(30).toNanos();
        while (slack.posted().isEmpty()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no card posted within 30 s of Slack coming back\n" + gateway.logTail());
            }
            Thread.sleep(20);
        }
        System.out.printf("slack outage: card posted %d ms after Slack came back%n",
                (System.nanoTime() - backAt) / 1_000_000);
        List<FakeSlackServer.Request> posts = slack.requests("chat.postMessage");
        return posts.get(posts.size() - 1);
    }
}
