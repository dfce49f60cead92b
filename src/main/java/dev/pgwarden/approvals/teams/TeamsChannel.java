package dev.pgwarden.approvals.teams;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.pgwarden.approvals.ApprovalCard;
import dev.pgwarden.approvals.ApprovalChannel;
import dev.pgwarden.approvals.ApprovalOutcome;

/**
 * Approval cards in Microsoft Teams through a Workflows (or classic incoming) webhook. Webhooks can
 * only post, so the card's button opens the console's approval page, and the outcome is a short
 * follow-up card. The webhook URL is a secret (Workflows URLs carry {@code sig=}, classic ones are
 * secret in their path): errors name only its host.
 */
public final class TeamsChannel implements ApprovalChannel {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final URI webhook;
    private final String where;
    private final HttpClient http;

    public TeamsChannel(String webhookUrl) {
        URI uri;
        try {
            uri = new URI(webhookUrl);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("pgwarden.teams.webhook-url is not a valid URL");
        }
        if (!("https".equals(uri.getScheme()) || "http".equals(uri.getScheme())) || uri.getHost() == null) {
            throw new IllegalArgumentException("pgwarden.teams.webhook-url must be an absolute http(s) URL");
        }
        this.webhook = uri;
        this.where = "Teams webhook at " + uri.getHost();
        this.http = HttpClient.newBuilder().connectTimeout(TIMEOUT).followRedirects(HttpClient.Redirect.NEVER).build();
    }

    @Override
    public String name() {
        return "teams";
    }

    /** @return empty: a webhook cannot change what it posted */
    @Override
    public Optional<String> announce(ApprovalCard card) throws IOException, InterruptedException {
        post(TeamsCards.request(card));
        return Optional.empty();
    }

    @Override
    public void update(String reference, ApprovalCard card, ApprovalOutcome outcome)
            throws IOException, InterruptedException {
        post(TeamsCards.outcome(card, outcome));
    }

    private void post(ObjectNode message) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(webhook).timeout(TIMEOUT)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(message))).build();
        HttpResponse<String> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            // JDK messages may quote the URI; keep only the kind of failure.
            throw new IOException(where + " unreachable: " + e.getClass().getSimpleName());
        }
        if (response.statusCode() / 100 != 2) {
            throw new IOException(where + " answered HTTP " + response.statusCode());
        }
    }
}
