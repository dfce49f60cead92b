package dev.pgwarden.approvals.slack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.slack.api.util.json.GsonFactory;

import dev.pgwarden.approvals.ApprovalCard;
import dev.pgwarden.approvals.ApprovalOutcome;
import dev.pgwarden.approvals.ApprovalStatus;

/** The Block Kit of approval cards, as slack-api-client serialises it for chat.postMessage. */
class SlackCardsTest {
    static final Instant EXPIRES = Instant.parse("2030-01-02T03:04:05Z");

    static ApprovalCard card(String statement) {
        return card(statement, "https://pgwarden.example.com/console/approvals/req-42");
    }

    static ApprovalCard card(String statement, String url) {
        return new ApprovalCard("req-42", "agent-7", List.of("analysts", "support"), "shop", statement,
                OptionalLong.of(1_234_567), "no-bulk-export", "10.1.2.3:51234", EXPIRES, url);
    }

    static JsonNode json(Object blocks) throws Exception {
        return new ObjectMapper().readTree(GsonFactory.createSnakeCase().toJson(blocks));
    }

    @Test
    void theCardShowsTheFactsTheStatementAndButtonsCarryingTheId() throws Exception {
        JsonNode blocks = json(SlackCards.request(card("SELECT * FROM customers")));
        assertEquals("header", blocks.get(0).get("type").asText());
        String fields = blocks.get(1).get("fields").toString();
        for (String fact : List.of("agent-7 (analysts, support)", "shop", "10.1.2.3:51234", "no-bulk-export",
                "≈ 1,234,567", "<!date^1893553445^", "2030-01-02 03:04:05 UTC")) {
            assertTrue(fields.contains(fact), fact + " in " + fields);
        }
        assertEquals("```\nSELECT * FROM customers\n```", blocks.get(2).get("text").get("text").asText());
        assertEquals("mrkdwn", blocks.get(2).get("text").get("type").asText());

        JsonNode actions = blocks.get(3);
        assertEquals("actions", actions.get("type").asText());
        assertEquals(SlackCards.ACTIONS_BLOCK, actions.get("block_id").asText());
        JsonNode approve = actions.get("elements").get(0);
        JsonNode deny = actions.get("elements").get(1);
        assertEquals("approve:req-42", approve.get("action_id").asText());
        assertEquals("req-42", approve.get("value").asText());
        assertEquals("primary", approve.get("style").asText());
        assertEquals("Approve", approve.get("text").get("text").asText());
        assertEquals("deny:req-42", deny.get("action_id").asText());
        assertEquals("req-42", deny.get("value").asText());
        assertEquals("danger", deny.get("style").asText());

        String footer = blocks.get(4).get("elements").get(0).get("text").asText();
        assertTrue(footer.contains("<https://pgwarden.example.com/console/approvals/req-42|Open in the console>"),
                footer);
    }

    @Test
    void aRelativeOrMissingConsoleUrlGivesNoLink() throws Exception {
        for (String url : new String[] { "/console/approvals/req-42", null }) {
            JsonNode blocks = json(SlackCards.request(card("SELECT 1", url)));
            String footer = blocks.get(4).get("elements").get(0).get("text").asText();
            assertFalse(footer.contains("<"), "Slack cannot open " + url + ": " + footer);
        }
    }

    @Test
    void unestimatedRowsSaySo() throws Exception {
        ApprovalCard c = new ApprovalCard("r", "s", List.of(), "db", "COPY t TO STDOUT", OptionalLong.empty(), "rule",
                "local", EXPIRES, null);
        String fields = json(SlackCards.request(c)).get(1).get("fields").toString();
        assertTrue(fields.contains("not estimated"), fields);
        assertTrue(fields.contains("*Who*\\ns\""), "no empty group list: " + fields);
    }

    @Test
    void statementTextCannotMentionLinkOrLeaveTheCodeBlock() throws Exception {
        String attack = "SELECT 1 /* ``` <!channel> *APPROVED by security* <https://evil.example|Approve here> "
                + "<@U0BOSS> & ```` */";
        String text = json(SlackCards.request(card(attack))).get(2).get("text").get("text").asText();
        // Without escaping, Slack would read these as a broadcast, a mention and a link.
        assertFalse(text.contains("<"), text);
        assertFalse(text.contains(">"), text);
        assertTrue(text.contains("&lt;!channel&gt;") && text.contains("&lt;@U0BOSS&gt;") && text.contains(" &amp; "));
        // Only the two fences of the block itself are runs of three backticks.
        assertEquals(2, count(text, "```"), text);
        assertTrue(text.startsWith("```\n") && text.endsWith("\n```"), text);
        // The backticks are still there to read (each followed by an invisible zero-width space).
        assertEquals(attack, text.substring(4, text.length() - 4).replace("\u200B", "").replace("&lt;", "<")
                .replace("&gt;", ">").replace("&amp;", "&"));
    }

    @Test
    void factsAreEscapedToo() throws Exception {
        ApprovalCard c = new ApprovalCard("r", "<!here>", List.of("a&b"), "db", "SELECT 1", OptionalLong.empty(),
                "<https://x|y>", "local", EXPIRES, null);
        String fields = json(SlackCards.request(c)).get(1).get("fields").toString();
        assertTrue(fields.contains("&lt;!here&gt; (a&amp;b)"), fields);
        assertTrue(fields.contains("&lt;https://x|y&gt;"), fields);
        assertEquals("Approval requested: &lt;!here&gt; on db (rule &lt;https://x|y&gt;)", SlackCards.fallback(c),
                "the notification text is mrkdwn too");
    }

    @Test
    void aLongStatementIsCutToSlacksLimitWithANote() throws Exception {
        String statement = "SELECT " + "x, ".repeat(4000) + "1";
        String text = json(SlackCards.request(card(statement))).get(2).get("text").get("text").asText();
        assertTrue(text.length() <= 3000, "length " + text.length());
        assertTrue(text.length() > 2800, "uses the room it has: " + text.length());
        Matcher m = Pattern.compile("\n```\n_(\\d+) more characters not shown").matcher(text);
        assertTrue(m.find(), text.substring(text.length() - 200));
        String shown = text.substring(4, m.start());
        assertTrue(shown.endsWith("…"));
        assertEquals(statement.length(), shown.length() - 1 + Integer.parseInt(m.group(1)), "the note counts exactly");
        assertTrue(statement.startsWith(shown.substring(0, shown.length() - 1)));
    }

    @Test
    void cuttingNeverSplitsASurrogatePairOrAnEntity() throws Exception {
        for (String unit : new String[] { "😀", "&", "<", "a😀", "`" }) {
            for (int n = 2990; n < 3010; n++) {
                String statement = unit.repeat(n);
                String text = json(SlackCards.request(card(statement))).get(2).get("text").get("text").asText();
                assertTrue(text.length() <= 3000, unit + " x " + n + ": " + text.length());
                for (int i = 0; i < text.length(); i++) {
                    char c = text.charAt(i);
                    if (Character.isHighSurrogate(c)) {
                        assertTrue(i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1)),
                                "lone high surrogate at " + i);
                        i++;
                    } else {
                        assertFalse(Character.isLowSurrogate(c), "lone low surrogate at " + i);
                    }
                }
                String body = text.contains("\n```\n_") ? text.substring(4, text.indexOf("\n```\n_")) : text;
                assertFalse(Pattern.compile("&(?!amp;|lt;|gt;)").matcher(body).find(), "a cut entity: " + unit);
            }
        }
    }

    @Test
    void theOutcomeReplacesTheButtons() throws Exception {
        ApprovalCard c = card("SELECT 1");
        Instant at = Instant.parse("2030-01-02T03:00:00Z");
        List<String> texts = new ArrayList<>();
        for (ApprovalOutcome o : List.of(new ApprovalOutcome(ApprovalStatus.APPROVED, "bob (Slack)", null, at),
                new ApprovalOutcome(ApprovalStatus.DENIED, "<@U0X> carol", "too broad\n<!channel>", at),
                new ApprovalOutcome(ApprovalStatus.EXPIRED, null, null, at),
                new ApprovalOutcome(ApprovalStatus.CANCELLED, null, null, at))) {
            JsonNode blocks = json(SlackCards.decided(c, o));
            for (JsonNode b : blocks) {
                assertFalse("actions".equals(b.get("type").asText()), "no buttons once decided");
            }
            JsonNode outcome = blocks.get(3);
            assertEquals(SlackCards.OUTCOME_BLOCK, outcome.get("block_id").asText());
            texts.add(outcome.get("text").get("text").asText());
        }
        assertTrue(texts.get(0).startsWith(":white_check_mark: *Approved* by bob (Slack) <!date^"), texts.get(0));
        assertTrue(texts.get(1).startsWith(":no_entry: *Denied* by &lt;@U0X&gt; carol"), texts.get(1));
        assertTrue(texts.get(1).endsWith("\n>too broad\n>&lt;!channel&gt;"), texts.get(1));
        assertTrue(texts.get(2).startsWith(":hourglass: *Expired*"), texts.get(2));
        assertTrue(texts.get(3).contains("client disconnected"), texts.get(3));
        assertThrows(IllegalArgumentException.class,
                () -> SlackCards.decided(c, new ApprovalOutcome(ApprovalStatus.PENDING, null, null, at)));
        assertEquals("Approved by bob (Slack): request by agent-7 on shop",
                SlackCards.fallback(c, new ApprovalOutcome(ApprovalStatus.APPROVED, "bob (Slack)", null, at)));
    }

    private static int count(String s, String needle) {
        int n = 0;
        for (int i = s.indexOf(needle); i >= 0; i = s.indexOf(needle, i + needle.length())) {
            n++;
        }
        return n;
    }
}
