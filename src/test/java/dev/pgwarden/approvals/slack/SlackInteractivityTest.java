package dev.pgwarden.approvals.slack;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;

import jakarta.inject.Inject;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import dev.pgwarden.approvals.ApprovalCard;
import dev.pgwarden.approvals.ApprovalChannel;
import dev.pgwarden.approvals.ApprovalChannels;
import dev.pgwarden.approvals.Approver;
import dev.pgwarden.testing.FakeSlackServer;
import dev.pgwarden.testing.GatewayTestResource;
import dev.pgwarden.testing.SlackCallbacks;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * Approve/Deny clicks arriving from Slack on /slack/interactivity: signed exactly as Slack signs,
 * answered through the click's response_url, decided by the (recording) decider.
 */
@QuarkusTest
@QuarkusTestResource(GatewayTestResource.class)
@TestProfile(SlackProfile.class)
class SlackInteractivityTest {
    static final Duration WAIT = Duration.ofSeconds(20);
    static final HttpClient HTTP = HttpClient.newHttpClient();

    @TestHTTPResource("/slack/interactivity")
    URI endpoint;
    @Inject
    RecordingApprovalDecider decider;
    @Inject
    ApprovalChannels channels;

    FakeSlackServer slack;

    @BeforeEach
    void reset() {
        slack = SlackProfile.slack;
        slack.clear();
        decider.reset();
        slack.addUser("U0ALICE", "alice", "alice@example.com");
        slack.addUser("U0CAROL", "carol", "carol@example.com");
        slack.addUser("U0MALLORY", "mallory", "mallory@example.com");
        slack.addUser("U0AGENT", "agent-7", "agent-7@example.com");
    }

    @Test
    void anApproverClickIsDecidedAndAnsweredEphemerally() throws Exception {
        decider.open("req-1", "agent-7");
        int status = post(signed(click("U0ALICE", "alice", "approve:req-1", "req-1", "one"), Instant.now()));
        assertEquals(200, status);

        JsonNode reply = replies(1).get(0);
        assertEquals("ephemeral", reply.get("response_type").asText());
        assertFalse(reply.get("replace_original").asBoolean());
        assertEquals("Approved request req-1. Thank you, alice (Slack).", reply.get("text").asText());
        assertEquals("/actions/T0PGWARDEN/1000000001/one", slack.requests("response_url").get(0).path());

        assertEquals(List.of(new RecordingApprovalDecider.Call("req-1",
                new Approver("alice (Slack)", Set.of("slack:U0ALICE", "alice@example.com")), true, null)),
                decider.calls());
    }

    @Test
    void anApproverListedByEmailIsFoundThroughUsersInfo() throws Exception {
        decider.open("req-2", "agent-7");
        assertEquals(200, post(signed(click("U0CAROL", "carol", "deny:req-2", "req-2", "two"), Instant.now())));
        assertEquals("Denied request req-2. Thank you, carol (Slack).", replies(1).get(0).get("text").asText());
        assertEquals("U0CAROL", slack.requests("users.info").get(0).params().get("user"));
        assertEquals("Bearer " + SlackProfile.BOT_TOKEN, slack.requests("users.info").get(0).authorization());
        RecordingApprovalDecider.Call call = decider.calls().get(0);
        assertEquals("req-2", call.approvalId());
        assertFalse(call.approve());
        assertEquals(Set.of("slack:U0CAROL", "carol@example.com"), call.approver().identities(),
                "the e-mail (lower-cased) takes part in the self-approval check");
    }

    @Test
    void forgedStaleOrUnsignedClicksAre401AndChangeNothing() throws Exception {
        decider.open("req-3", "agent-7");
        byte[] body = click("U0ALICE", "alice", "approve:req-3", "req-3", "three");
        Instant now = Instant.now();

        SlackCallbacks.Signed forged = SlackCallbacks.sign("guessed-secret", now, body);
        assertEquals(401, post(forged));
        SlackCallbacks.Signed replayed = SlackCallbacks.sign(SlackProfile.SIGNING_SECRET, now.minusSeconds(600), body);
        assertEquals(401, post(replayed), "a genuine click captured ten minutes ago");
        SlackCallbacks.Signed future = SlackCallbacks.sign(SlackProfile.SIGNING_SECRET, now.plusSeconds(600), body);
        assertEquals(401, post(future));
        SlackCallbacks.Signed genuine = SlackCallbacks.sign(SlackProfile.SIGNING_SECRET, now, body);
        byte[] tampered = click("U0ALICE", "alice", "approve:req-4", "req-4", "three");
        assertEquals(401, post(new SlackCallbacks.Signed(tampered, genuine.timestamp(), genuine.signature())),
                "a genuine signature over another click");
        assertEquals(401, post(new SlackCallbacks.Signed(body, null, genuine.signature())));
        assertEquals(401, post(new SlackCallbacks.Signed(body, genuine.timestamp(), null)));
        assertEquals(401, post(new SlackCallbacks.Signed(body, null, null)));
        assertTrue(decider.calls().isEmpty(), "the decider was never asked");
        assertTrue(slack.requests().isEmpty(), "nothing was looked up or answered: " + slack.requests());

        // The very same click, signed with the app's secret, is taken: only the signature kept the others out.
        assertEquals(200, post(genuine));
        replies(1);
        assertEquals(1, decider.calls().size());
    }

    @Test
    void someoneNotOnTheApproverListIsToldPolitelyAndNothingChanges() throws Exception {
        decider.open("req-5", "agent-7");
        assertEquals(200, post(signed(click("U0MALLORY", "mallory", "approve:req-5", "req-5", "five"), Instant.now())));
        String text = replies(1).get(0).get("text").asText();
        assertTrue(text.contains("not on this gateway's list of Slack approvers"), text);
        assertEquals("U0MALLORY", slack.requests("users.info").get(0).params().get("user"),
                "neither the id nor the e-mail mallory@example.com is listed");
        assertTrue(decider.calls().isEmpty());

        // Slack does not know the user's e-mail (users.info fails): refused, not decided with less identity.
        assertEquals(200, post(signed(click("U0GHOST", "ghost", "approve:req-5", "req-5", "five"), Instant.now())));
        assertTrue(replies(2).get(1).get("text").asText().contains("could not look up your Slack profile"));
        assertTrue(decider.calls().isEmpty());

        // Contrast: the listed approver's identical click is decided.
        assertEquals(200, post(signed(click("U0ALICE", "alice", "approve:req-5", "req-5", "five"), Instant.now())));
        assertTrue(replies(3).get(2).get("text").asText().startsWith("Approved request req-5"));
    }

    @Test
    void aSecondClickAndASelfApprovalGetPoliteReplies() throws Exception {
        decider.open("req-6", "agent-7");
        post(signed(click("U0ALICE", "alice", "approve:req-6", "req-6", "six"), Instant.now()));
        replies(1);
        post(signed(click("U0CAROL", "carol", "deny:req-6", "req-6", "six"), Instant.now()));
        assertEquals("Request req-6 was already approved; nothing changed.", replies(2).get(1).get("text").asText());

        decider.open("req-7", "alice@example.com");
        post(signed(click("U0ALICE", "alice", "approve:req-7", "req-7", "seven"), Instant.now()));
        assertEquals("You cannot approve your own request.", replies(3).get(2).get("text").asText());

        post(signed(click("U0ALICE", "alice", "approve:req-gone", "req-gone", "eight"), Instant.now()));
        assertEquals("Request req-gone does not exist.", replies(4).get(3).get("text").asText());
        assertEquals(4, decider.calls().size());
    }

    @Test
    void aSignedRequestThatIsNotOurButtonIsRefusedCleanly() throws Exception {
        byte[] other = click("U0ALICE", "alice", "open_console", "req-1", "x");
        assertEquals(400, post(signed(other, Instant.now())));
        String viewSubmission = "{\"type\":\"view_submission\",\"user\":{\"id\":\"U0ALICE\"}}";
        assertEquals(400, post(signed(SlackCallbacks.form(viewSubmission), Instant.now())));
        assertEquals(400, post(signed("payload=%7Bbroken".getBytes(StandardCharsets.UTF_8), Instant.now())));
        assertTrue(decider.calls().isEmpty());
        assertTrue(slack.requests().isEmpty());
    }

    @Test
    void theEndpointNeedsNoTokenWhileTheApiStillDoes() throws Exception {
        // Every click above came without an Authorization header; the admin API is still closed.
        given().when().get("/api/policy").then().statusCode(401);
        HttpResponse<String> get = HTTP.send(HttpRequest.newBuilder(endpoint).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(405, get.statusCode());
    }

    @Test
    void theConfiguredChannelsAreSlackAndTeams() throws Exception {
        assertEquals(List.of("slack", "teams"), channels.all().stream().map(ApprovalChannel::name).toList());
        ApprovalCard card = new ApprovalCard("req-9", "agent-7", List.of("analysts"), "shop", "COPY customers TO STDOUT",
                OptionalLong.of(100), "no-bulk-export", "10.0.0.1:5000", Instant.now().plusSeconds(600),
                "https://pgwarden.example.com/approvals/req-9");
        String reference = channels.all().get(0).announce(card).orElseThrow();
        assertTrue(reference.startsWith(SlackProfile.CHANNEL + ":"), reference);
        assertEquals("Bearer " + SlackProfile.BOT_TOKEN, slack.requests("chat.postMessage").get(0).authorization());
        int before = SlackProfile.teams.messages().size();
        assertTrue(channels.all().get(1).announce(card).isEmpty());
        assertEquals(before + 1, SlackProfile.teams.messages().size());
    }

    private static byte[] click(String userId, String userName, String actionId, String value, String replyPath) {
        return SlackCallbacks.form(SlackCallbacks.blockActions(userId, userName, actionId, value,
                SlackProfile.CHANNEL, "1700000000.000101", SlackProfile.slack.responseUrl(replyPath)));
    }

    private static SlackCallbacks.Signed signed(byte[] body, Instant at) {
        return SlackCallbacks.sign(SlackProfile.SIGNING_SECRET, at, body);
    }

    /** POSTs the bytes exactly as Slack would, with its headers when given. */
    private int post(SlackCallbacks.Signed request) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(endpoint)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("User-Agent", "Slackbot 1.0 (+https://api.slack.com/robots)")
                .POST(HttpRequest.BodyPublishers.ofByteArray(request.body()));
        if (request.timestamp() != null) {
            b.header("X-Slack-Request-Timestamp", request.timestamp());
        }
        if (request.signature() != null) {
            b.header("X-Slack-Signature", request.signature());
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString()).statusCode();
    }

    private List<JsonNode> replies(int count) throws InterruptedException {
        return slack.await("response_url", count, WAIT).stream().map(FakeSlackServer.Request::json).toList();
    }
}
