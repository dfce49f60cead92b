package dev.pgwarden.approvals.slack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.pgwarden.approvals.ApprovalChannels;
import dev.pgwarden.testing.GatewayTestResource;
import dev.pgwarden.testing.SlackCallbacks;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

/** The gateway as it starts without any Slack or Teams settings. */
@QuarkusTest
@QuarkusTestResource(GatewayTestResource.class)
class SlackNotConfiguredTest {
    @TestHTTPResource("/slack/interactivity")
    URI endpoint;
    @Inject
    ApprovalChannels channels;

    @Test
    void noChannelsAndNoInteractivityEndpoint() throws Exception {
        assertTrue(channels.all().isEmpty());
        SlackCallbacks.Signed click = SlackCallbacks.sign("any-secret", Instant.now(), SlackCallbacks.form(
                SlackCallbacks.blockActions("U0ALICE", "alice", "approve:r", "r", "C0X", "1.2", "https://x/y")));
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(endpoint)
                .header("X-Slack-Request-Timestamp", click.timestamp()).header("X-Slack-Signature", click.signature())
                .POST(HttpRequest.BodyPublishers.ofByteArray(click.body())).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(404, r.statusCode());
    }
}
