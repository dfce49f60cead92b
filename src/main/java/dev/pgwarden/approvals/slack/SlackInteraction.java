package dev.pgwarden.approvals.slack;

import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.pgwarden.approvals.CardText;

/**
 * A button click as Slack reports it: a {@code block_actions} callback, form-encoded with its
 * JSON in the {@code payload} field. Only what a decision needs is kept.
 *
 * @param userId      who clicked (U.../W...)
 * @param userName    their Slack handle
 * @param actionId    the clicked element's action_id
 * @param value       its value
 * @param channelId   where the message is
 * @param messageTs   the message's timestamp
 * @param responseUrl where replies to this click go (valid 30 minutes; a capability: never log it)
 */
public record SlackInteraction(String userId, String userName, String actionId, String value, String channelId,
        String messageTs, String responseUrl) {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** A callback that is not a usable block_actions click; the message says what is wrong. */
    public static final class Malformed extends Exception {
        Malformed(String message) {
            super(message);
        }
    }

    public static SlackInteraction parse(byte[] formBody) throws Malformed {
        String payload = payloadField(new String(formBody, StandardCharsets.UTF_8));
        JsonNode root;
        try {
            root = JSON.readTree(payload);
        } catch (IOException e) {
            throw new Malformed("payload is not JSON");
        }
        if (root == null || !root.isObject()) {
            throw new Malformed("payload is not a JSON object");
        }
        String type = text(root, "type");
        if (!"block_actions".equals(type)) {
            throw new Malformed("unsupported interaction type " + (type == null ? "(none)" : quote(type)));
        }
        JsonNode user = root.path("user");
        String userId = required(user, "id", "user.id");
        String userName = firstOf(text(user, "username"), text(user, "name"), userId);
        JsonNode actions = root.path("actions");
        if (!actions.isArray() || actions.size() != 1) {
            throw new Malformed("expected exactly one action");
        }
        JsonNode action = actions.get(0);
        String actionId = required(action, "action_id", "actions[0].action_id");
        String value = required(action, "value", "actions[0].value");
        String channelId = firstOf(text(root.path("channel"), "id"), text(root.path("container"), "channel_id"), null);
        String messageTs = firstOf(text(root.path("container"), "message_ts"), text(root.path("message"), "ts"), null);
        if (channelId == null || messageTs == null) {
            throw new Malformed("the click is not on a channel message");
        }
        String responseUrl = required(root, "response_url", "response_url");
        if (!responseUrl.startsWith("https://") && !responseUrl.startsWith("http://")) {
            throw new Malformed("response_url is not an http(s) URL");
        }
        return new SlackInteraction(userId, userName, actionId, value, channelId, messageTs, responseUrl);
    }

    /** The one {@code payload} field of an application/x-www-form-urlencoded body. */
    private static String payloadField(String form) throws Malformed {
        String payload = null;
        for (String pair : form.split("&")) {
            int eq = pair.indexOf('=');
            String name = eq < 0 ? pair : pair.substring(0, eq);
            if (!"payload".equals(decode(name))) {
                continue;
            }
            if (payload != null) {
                throw new Malformed("more than one payload field");
            }
            payload = eq < 0 ? "" : decode(pair.substring(eq + 1));
        }
        if (payload == null || payload.isEmpty()) {
            throw new Malformed("no payload field");
        }
        return payload;
    }

    private static String decode(String s) throws Malformed {
        try {
            return URLDecoder.decode(s, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new Malformed("body is not form-encoded");
        }
    }

    private static String required(JsonNode node, String field, String path) throws Malformed {
        String value = text(node, field);
        if (value == null || value.isEmpty()) {
            throw new Malformed("missing " + path);
        }
        return value;
    }

    private static String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v != null && v.isTextual() ? v.asText() : null;
    }

    private static String firstOf(String a, String b, String otherwise) {
        return a != null && !a.isEmpty() ? a : b != null && !b.isEmpty() ? b : otherwise;
    }

    private static String quote(String s) {
        return "'" + CardText.truncate(s, 40) + "'";
    }
}
