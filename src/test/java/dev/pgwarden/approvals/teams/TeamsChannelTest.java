package dev.pgwarden.approvals.teams;

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
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import dev.pgwarden.approvals.ApprovalCard;
import dev.pgwarden.approvals.ApprovalOutcome;
import dev.pgwarden.approvals.ApprovalStatus;
import dev.pgwarden.testing.FakeTeamsWebhook;

/** TeamsChannel posting Adaptive Cards to a local server that answers like a Workflows webhook. */
class TeamsChannelTest {
    static final String SIG = "Zm9vYmFyLXNlY3JldC1zaWduYXR1cmU";
    static FakeTeamsWebhook teams;

    @BeforeAll
    static void start() throws IOException {
        teams = FakeTeamsWebhook.start(SIG);
    }

    @AfterAll
    static void stop() {
        teams.close();
    }

    static ApprovalCard card(String statement, String url) {
        return new ApprovalCard("req-9", "agent-7", List.of("analysts"), "shop", statement, OptionalLong.of(42),
                "no-bulk-export", "10.0.0.9:40000", Instant.parse("2030-01-01T00:10:00Z"), url);
    }

    @Test
    void announcePostsAnAdaptiveCardWhoseButtonOpensTheConsole() throws Exception {
        int before = teams.messages().size();
        TeamsChannel channel = new TeamsChannel(teams.url());
        Optional<String> reference = channel.announce(
                card("SELECT * FROM customers", "https://gw.example.com/console/approvals/req-9"));
        assertTrue(reference.isEmpty(), "a webhook cannot update what it posted");

        JsonNode message = teams.messages().get(before);
        JsonNode attachment = message.get("attachments").get(0);
        assertEquals("application/vnd.microsoft.card.adaptive", attachment.get("contentType").asText());
        JsonNode content = attachment.get("content");
        assertEquals("1.4", content.get("version").asText());
        String body = content.get("body").toString();
        for (String fact : List.of("agent-7 (analysts)", "shop", "10.0.0.9:40000", "no-bulk-export", "≈ 42",
                "2030-01-01 00:10:00 UTC", "SELECT * FROM customers", "req-9")) {
            assertTrue(body.contains(fact), fact + " in " + body);
        }
        JsonNode action = content.get("actions").get(0);
        assertEquals("Action.OpenUrl", action.get("type").asText());
        assertEquals("Review and approve", action.get("title").asText());
        assertEquals("https://gw.example.com/console/approvals/req-9", action.get("url").asText());

        channel.update("", card("SELECT 1", "https://gw.example.com/console/approvals/req-9"),
                new ApprovalOutcome(ApprovalStatus.DENIED, "bob (Slack)", "too broad", Instant.now()));
        JsonNode followUp = teams.messages().get(before + 1).get("attachments").get(0).get("content");
        assertTrue(followUp.get("body").toString().contains("Denied by bob (Slack)"), followUp.toString());
        assertTrue(followUp.get("body").toString().contains("too broad"));
    }

    @Test
    void statementTextIsNeverReadAsMarkdown() throws Exception {
        int before = teams.messages().size();
        String attack = "SELECT 1 -- **Approved by security** [Approve here](https://evil.example)";
        new TeamsChannel(teams.url()).announce(card(attack, null));
        JsonNode body = teams.messages().get(before).get("attachments").get(0).get("content").get("body");
        for (JsonNode element : body) {
            assertEquals("RichTextBlock", element.get("type").asText(), "TextBlocks would render markdown: " + element);
            for (JsonNode inline : element.get("inlines")) {
                assertEquals("TextRun", inline.get("type").asText());
            }
        }
        assertTrue(body.toString().contains(attack.replace("\"", "\\\"")));
        assertFalse(teams.messages().get(before).get("attachments").get(0).get("content").has("actions"),
                "no button without an absolute console URL");
    }

    @Test
    void aLongStatementIsCut() throws Exception {
        int before = teams.messages().size();
        new TeamsChannel(teams.url()).announce(card("SELECT " + "😀".repeat(5000), null));
        String body = teams.messages().get(before).get("attachments").get(0).get("content").get("body").toString();
        assertTrue(body.contains("the console shows all of it"), body.substring(0, 200));
        assertTrue(body.length() < 8000, "length " + body.length());
    }

    @Test
    void aRefusalSurfacesItsStatusButNeverTheWebhookSecret() throws Exception {
        TeamsChannel channel = new TeamsChannel(teams.url());
        teams.failNext(429);
        IOException e = assertThrows(IOException.class, () -> channel.announce(card("SELECT 1", null)));
        assertEquals("Teams webhook at 127.0.0.1 answered HTTP 429", e.getMessage());

        TeamsChannel wrongSig = new TeamsChannel(teams.url().replace(SIG, "forged"));
        IOException unauthorized = assertThrows(IOException.class, () -> wrongSig.announce(card("SELECT 1", null)));
        assertTrue(unauthorized.getMessage().endsWith("HTTP 401"), unauthorized.getMessage());
        assertFalse(unauthorized.getMessage().contains("forged"));

        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        TeamsChannel nowhere = new TeamsChannel(teams.url().replaceFirst(":\\d+/", ":" + closedPort + "/"));
        IOException down = assertThrows(IOException.class, () -> nowhere.announce(card("SELECT 1", null)));
        for (Throwable t = down; t != null; t = t.getCause()) {
            assertFalse(t.toString().contains(SIG), t.toString());
            assertFalse(t.toString().contains("/workflows/"), t.toString());
        }
    }

    @Test
    void aMalformedWebhookUrlIsRefusedWithoutQuotingIt() {
        for (String bad : new String[] { "not a url sig=abc", "ftp://host/x?sig=abc", "/relative?sig=abc" }) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new TeamsChannel(bad));
            assertFalse(e.getMessage().contains("sig=abc"), e.getMessage());
        }
    }
}
