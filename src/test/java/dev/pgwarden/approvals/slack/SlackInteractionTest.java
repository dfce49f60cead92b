package dev.pgwarden.approvals.slack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import dev.pgwarden.testing.SlackCallbacks;

class SlackInteractionTest {
    static final String RESPONSE_URL = "https://hooks.slack.com/actions/T0PGWARDEN/1000000001/abc";

    @Test
    void aBlockActionsClickIsRead() throws Exception {
        String payload = SlackCallbacks.blockActions("U0ALICE", "alice", "approve:req-1", "req-1", "C0APPROVALS",
                "1700000000.000101", RESPONSE_URL);
        SlackInteraction click = SlackInteraction.parse(SlackCallbacks.form(payload));
        assertEquals(new SlackInteraction("U0ALICE", "alice", "approve:req-1", "req-1", "C0APPROVALS",
                "1700000000.000101", RESPONSE_URL), click);
        assertEquals(new SlackButtons("req-1", true), SlackButtons.of(click.actionId(), click.value()).orElseThrow());
    }

    @Test
    void theButtonsMeanApproveOrDenyOnlyWhenActionIdAndValueAgree() {
        assertEquals(new SlackButtons("r", false), SlackButtons.of(SlackButtons.denyActionId("r"), "r").orElseThrow());
        assertTrue(SlackButtons.of("approve:r1", "r2").isEmpty(), "an id in action_id and another in value");
        assertTrue(SlackButtons.of("open_console", "r").isEmpty());
        assertTrue(SlackButtons.of("approve:", "").isEmpty());
        assertThrows(IllegalArgumentException.class, () -> SlackButtons.approveActionId("x".repeat(300)));
    }

    @Test
    void otherPayloadTypesAndIncompleteClicksAreRejected() {
        String click = SlackCallbacks.blockActions("U0ALICE", "alice", "approve:req-1", "req-1", "C0APPROVALS",
                "1700000000.000101", RESPONSE_URL);
        assertRejected("unsupported interaction type 'view_submission'",
                click.replace("\"block_actions\"", "\"view_submission\""));
        assertRejected("missing user.id", click.replace("\"id\":\"U0ALICE\"", "\"uid\":\"U0ALICE\""));
        assertRejected("missing actions[0].value", click.replace("\"value\":\"req-1\"", "\"val\":\"req-1\""));
        assertRejected("missing response_url", click.replace("\"response_url\"", "\"response\""));
        assertRejected("response_url is not an http(s) URL", click.replace(RESPONSE_URL, "file:///etc/passwd"));
        assertRejected("expected exactly one action", click.replaceAll("\"actions\":\\[.*]", "\"actions\":[]"));
        assertRejected("payload is not JSON", "{not json");
        assertRejected("payload is not a JSON object", "[1,2]");
        assertEquals("no payload field", rejected("text=hello".getBytes(StandardCharsets.UTF_8)));
        assertEquals("no payload field", rejected(new byte[0]));
        assertEquals("more than one payload field",
                rejected((new String(SlackCallbacks.form(click), StandardCharsets.UTF_8) + "&payload=%7B%7D")
                        .getBytes(StandardCharsets.UTF_8)));
        assertEquals("body is not form-encoded", rejected("payload=%zz".getBytes(StandardCharsets.UTF_8)));
    }

    private static void assertRejected(String message, String payload) {
        assertEquals(message, rejected(SlackCallbacks.form(payload)));
    }

    private static String rejected(byte[] body) {
        return assertThrows(SlackInteraction.Malformed.class, () -> SlackInteraction.parse(body)).getMessage();
    }
}
