package dev.pgwarden.testing;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Instant;
import java.util.HexFormat;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Interactivity callbacks as Slack sends them: a {@code block_actions} payload with the fields
 * Slack fills in, form-encoded as {@code payload=<json>}, signed with the v0 scheme (written here
 * independently of the gateway's verifier) at a chosen time, so tests can also forge and replay.
 */
public final class SlackCallbacks {
    private static final ObjectMapper JSON = new ObjectMapper();

    private SlackCallbacks() {
    }

    /** A signed request: the body and the two headers Slack adds. */
    public record Signed(byte[] body, String timestamp, String signature) {
    }

    /** A click on a button in a channel message. */
    public static String blockActions(String userId, String userName, String actionId, String value,
            String channelId, String messageTs, String responseUrl) {
        ObjectNode root = JSON.createObjectNode();
        root.put("type", "block_actions");
        root.putObject("user").put("id", userId).put("username", userName).put("name", userName)
                .put("team_id", "T0PGWARDEN");
        root.put("api_app_id", "A0PGWARDEN");
        root.put("token", "legacy-verification-token");
        root.putObject("container").put("type", "message").put("message_ts", messageTs).put("channel_id", channelId)
                .put("is_ephemeral", false);
        root.put("trigger_id", "1000000001.2000000002.abcdef0123456789abcdef0123456789");
        root.putObject("team").put("id", "T0PGWARDEN").put("domain", "pgwarden-test");
        root.putNull("enterprise");
        root.put("is_enterprise_install", false);
        root.putObject("channel").put("id", channelId).put("name", "db-approvals");
        root.putObject("message").put("type", "message").put("ts", messageTs).put("bot_id", "B0PGWARDEN")
                .put("text", "Approval requested");
        root.putObject("state").putObject("values");
        root.put("response_url", responseUrl);
        ObjectNode action = root.putArray("actions").addObject();
        action.put("action_id", actionId).put("block_id", "decision");
        action.putObject("text").put("type", "plain_text").put("text", actionId.startsWith("deny") ? "Deny" : "Approve")
                .put("emoji", true);
        action.put("value", value).put("style", actionId.startsWith("deny") ? "danger" : "primary")
                .put("type", "button").put("action_ts", "1700000001.000200");
        return root.toString();
    }

    /** {@code payload=<json>}, URL-encoded as Slack does (spaces as {@code +}). */
    public static byte[] form(String payloadJson) {
        return ("payload=" + URLEncoder.encode(payloadJson, StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8);
    }

    public static Signed sign(String signingSecret, Instant at, byte[] body) {
        String timestamp = Long.toString(at.getEpochSecond());
        return new Signed(body, timestamp, signature(signingSecret, timestamp, body));
    }

    /** {@code v0=} HMAC-SHA256 over {@code v0:<timestamp>:<body>}. */
    public static String signature(String signingSecret, String timestamp, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(signingSecret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            byte[] base = ("v0:" + timestamp + ":").getBytes(StandardCharsets.UTF_8);
            byte[] all = new byte[base.length + body.length];
            System.arraycopy(base, 0, all, 0, base.length);
            System.arraycopy(body, 0, all, base.length, body.length);
            return "v0=" + HexFormat.of().formatHex(mac.doFinal(all));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
