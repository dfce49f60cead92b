package dev.pgwarden.approvals.slack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import dev.pgwarden.approvals.ApprovalCard;
import dev.pgwarden.approvals.ApprovalOutcome;
import dev.pgwarden.approvals.ApprovalStatus;
import dev.pgwarden.testing.FakeSlackServer;

/** SlackChannel through the real slack-api-client against a local server speaking Slack's Web API. */
class SlackChannelTest {
    static final String TOKEN = "xoxb-1111-2222-secretbottoken";
    static final String CHANNEL = "C0APPROVALS";
    static FakeSlackServer slack;
    static SlackApi api;

    @BeforeAll
    static void start() throws IOException {
        slack = FakeSlackServer.start(TOKEN, CHANNEL);
        api = new SlackApi(slack.apiUrl(), Optional.of(TOKEN));
    }

    @AfterAll
    static void stop() throws Exception {
        api.close();
        slack.close();
    }

    @BeforeEach
    void clear() {
        slack.clear();
    }

    static ApprovalCard card() {
        return new ApprovalCard("req-7", "agent-7", List.of("analysts"), "shop",
                "COPY customers TO STDOUT", OptionalLong.of(5000), "no-bulk-export", "10.0.0.9:40000",
                Instant.parse("2030-01-01T00:10:00Z"), "https://gw.example.com/console/approvals/req-7");
    }

    @Test
    void announceThenUpdateReplacesTheButtonsWithTheOutcome() throws Exception {
        SlackChannel channel = new SlackChannel(api, CHANNEL);
        String reference = channel.announce(card()).orElseThrow();

        FakeSlackServer.Request post = slack.requests("chat.postMessage").get(0);
        assertEquals("Bearer " + TOKEN, post.authorization(), "the bot token goes in the header");
        assertFalse(post.params().containsKey("token"), "not in the body");
        assertTrue(post.contentType().startsWith("application/x-www-form-urlencoded"), post.contentType());
        assertEquals(CHANNEL, post.params().get("channel"));
        assertEquals(CHANNEL + ":" + "1700000000.000101", reference);
        assertTrue(post.params().get("text").startsWith("Approval requested: agent-7 on shop"));
        JsonNode blocks = post.jsonParam("blocks");
        assertEquals("approve:req-7", blocks.get(3).get("elements").get(0).get("action_id").asText());
        assertTrue(blocks.get(2).get("text").get("text").asText().contains("COPY customers TO STDOUT"));

        channel.update(reference, card(), new ApprovalOutcome(ApprovalStatus.APPROVED, "bob (Slack)", "ok for Q3",
                Instant.parse("2030-01-01T00:05:00Z")));
        FakeSlackServer.Request update = slack.requests("chat.update").get(0);
        assertEquals("Bearer " + TOKEN, update.authorization());
        assertEquals(CHANNEL, update.params().get("channel"));
        assertEquals("1700000000.000101", update.params().get("ts"));
        JsonNode updated = update.jsonParam("blocks");
        for (JsonNode b : updated) {
            assertFalse("actions".equals(b.get("type").asText()), "the buttons are gone: " + updated);
        }
        assertTrue(updated.toString().contains("*Approved* by bob (Slack)"), updated.toString());
        assertEquals(List.of("chat.postMessage", "chat.update"),
                slack.requests().stream().map(FakeSlackServer.Request::method).toList(), "no other calls");
    }

    @Test
    void slackErrorsSurfaceWithTheirCodeAndNeverTheToken() throws Exception {
        SlackChannel unknownChannel = new SlackChannel(api, "C0NOWHERE");
        SlackApiError e = assertThrows(SlackApiError.class, () -> unknownChannel.announce(card()));
        assertEquals("channel_not_found", e.error());
        assertEquals("Slack chat.postMessage failed: channel_not_found", e.getMessage());

        try (SlackApi wrongToken = new SlackApi(slack.apiUrl(), Optional.of("xoxb-revoked-token-9999"))) {
            SlackApiError auth = assertThrows(SlackApiError.class,
                    () -> new SlackChannel(wrongToken, CHANNEL).announce(card()));
            assertEquals("invalid_auth", auth.error());
            assertNoSecret(auth, "xoxb-revoked-token-9999");
        }

        SlackChannel channel = new SlackChannel(api, CHANNEL);
        slack.failNextWithStatus("chat.postMessage", 503);
        SlackApiError http = assertThrows(SlackApiError.class, () -> channel.announce(card()));
        assertEquals("http_503", http.error());
        assertNoSecret(http, TOKEN);

        String reference = channel.announce(card()).orElseThrow();
        slack.failNext("chat.update", "message_not_found");
        SlackApiError update = assertThrows(SlackApiError.class, () -> channel.update(reference, card(),
                new ApprovalOutcome(ApprovalStatus.EXPIRED, null, null, Instant.now())));
        assertEquals("message_not_found", update.error());
        assertThrows(IllegalArgumentException.class, () -> channel.update("no-colon", card(),
                new ApprovalOutcome(ApprovalStatus.EXPIRED, null, null, Instant.now())));
    }

    @Test
    void anUnreachableSlackIsAnIOExceptionWithoutTheToken() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        try (SlackApi nowhere = new SlackApi("http://127.0.0.1:" + closedPort + "/api", Optional.of(TOKEN))) {
            IOException e = assertThrows(IOException.class, () -> new SlackChannel(nowhere, CHANNEL).announce(card()));
            assertTrue(e.getMessage().startsWith("Slack chat.postMessage unreachable"), e.getMessage());
            assertNoSecret(e, TOKEN);
        }
    }

    @Test
    void usersInfoGivesTheEmailWhenSlackShowsOne() throws Exception {
        slack.addUser("U0ALICE", "alice", "Alice@Example.com");
        slack.addUser("U0NOMAIL", "bot-like", null);
        assertEquals(Optional.of("Alice@Example.com"), api.userEmail("U0ALICE"));
        assertEquals(Optional.empty(), api.userEmail("U0NOMAIL"));
        assertEquals("U0ALICE", slack.requests("users.info").get(0).params().get("user"));
        assertEquals("user_not_found", assertThrows(SlackApiError.class, () -> api.userEmail("U0GHOST")).error());
    }

    @Test
    void repliesGoToTheResponseUrlAndItsFailuresDoNotQuoteIt() throws Exception {
        String url = slack.responseUrl("secret-capability-path");
        api.respond(url, "{\"response_type\":\"ephemeral\",\"replace_original\":false,\"text\":\"hi\"}");
        FakeSlackServer.Request reply = slack.requests("response_url").get(0);
        assertEquals("ephemeral", reply.json().get("response_type").asText());
        assertEquals("hi", reply.json().get("text").asText());

        slack.failNextWithStatus("response_url", 404);
        IOException e = assertThrows(IOException.class, () -> api.respond(url, "{\"text\":\"x\"}"));
        assertNoSecret(e, "secret-capability-path");
    }

    @Test
    void withoutABotTokenNoMethodIsCalled() throws Exception {
        try (SlackApi tokenless = new SlackApi(slack.apiUrl(), Optional.empty())) {
            assertFalse(tokenless.canCallMethods());
            assertEquals("no_bot_token_configured",
                    assertThrows(SlackApiError.class, () -> tokenless.userEmail("U0ALICE")).error());
        }
        assertTrue(slack.requests().isEmpty());
    }

    @Test
    void aMalformedApiUrlIsRefusedAtOnce() {
        for (String bad : new String[] { "slack.com/api", "", "https:///api/" }) {
            assertThrows(IllegalArgumentException.class, () -> new SlackApi(bad, Optional.of(TOKEN)), bad);
        }
    }

    /** Neither the exception nor any cause mentions the secret, in its message or its string form. */
    static void assertNoSecret(Throwable e, String secret) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            assertFalse(String.valueOf(t.getMessage()).contains(secret), t.toString());
            assertFalse(t.toString().contains(secret), t.toString());
        }
    }
}
