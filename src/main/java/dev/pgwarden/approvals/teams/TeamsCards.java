package dev.pgwarden.approvals.teams;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.pgwarden.approvals.ApprovalCard;
import dev.pgwarden.approvals.ApprovalOutcome;
import dev.pgwarden.approvals.CardText;

/**
 * Adaptive Cards (1.4) for Teams, wrapped in the message envelope Workflows and incoming webhooks
 * take. Values from a request are TextRuns of RichTextBlocks, which Teams shows as plain text (a
 * TextBlock would read markdown, so a statement could draw links or bold "approved" into the card).
 */
final class TeamsCards {
    static final String CONTENT_TYPE = "application/vnd.microsoft.card.adaptive";
    /** Room for the statement; a Teams message must stay under about 28 KB in all. */
    static final int STATEMENT_LIMIT = 4000;
    private static final int VALUE_LIMIT = 500;
    private static final ObjectMapper JSON = new ObjectMapper();

    private TeamsCards() {
    }

    static ObjectNode request(ApprovalCard card) {
        ObjectNode content = card("Database statement waiting for approval");
        ArrayNode body = (ArrayNode) content.get("body");
        fact(body, "Who", CardText.who(card));
        fact(body, "Database", card.database());
        fact(body, "Client", card.clientAddress());
        fact(body, "Rule", card.rule());
        fact(body, "Estimated rows", CardText.rows(card.estimatedRows()));
        fact(body, "Expires", CardText.utc(card.expiresAt()));
        ObjectNode statement = body.addObject().put("type", "RichTextBlock").put("separator", true);
        statement.putArray("inlines").addObject().put("type", "TextRun")
                .put("text", CardText.truncate(card.statement(), STATEMENT_LIMIT)).put("fontType", "Monospace");
        if (card.statement().length() > STATEMENT_LIMIT) {
            plain(body, "The statement is cut here; the console shows all of it.").put("isSubtle", true);
        }
        plain(body, "Request " + card.id()).put("isSubtle", true);
        if (CardText.isAbsoluteWebUrl(card.approvalUrl())) {
            content.putArray("actions").addObject().put("type", "Action.OpenUrl").put("title", "Review and approve")
                    .put("url", card.approvalUrl());
        } else {
            plain(body, "Decide in the pgwarden console or in Slack.").put("isSubtle", true);
        }
        return message(content);
    }

    /** A short follow-up: webhooks cannot change the card posted before. */
    static ObjectNode outcome(ApprovalCard card, ApprovalOutcome outcome) {
        ObjectNode content = card(headline(outcome));
        ArrayNode body = (ArrayNode) content.get("body");
        fact(body, "Who", CardText.who(card));
        fact(body, "Rule", card.rule());
        if (outcome.decidedAt() != null) {
            fact(body, "When", CardText.utc(outcome.decidedAt()));
        }
        if (outcome.reason() != null && !outcome.reason().isBlank()) {
            fact(body, "Reason", outcome.reason());
        }
        plain(body, "Request " + card.id()).put("isSubtle", true);
        if (CardText.isAbsoluteWebUrl(card.approvalUrl())) {
            content.putArray("actions").addObject().put("type", "Action.OpenUrl").put("title", "Open in the console")
                    .put("url", card.approvalUrl());
        }
        return message(content);
    }

    static String headline(ApprovalOutcome outcome) {
        String by = outcome.decidedBy() == null ? "" : " by " + CardText.truncate(outcome.decidedBy(), VALUE_LIMIT);
        return switch (outcome.status()) {
            case APPROVED -> "Approved" + by;
            case DENIED -> "Denied" + by;
            case EXPIRED -> "Expired: nobody decided in time";
            case CANCELLED -> "Cancelled: the client disconnected before a decision";
            case PENDING -> throw new IllegalArgumentException("a pending request has no outcome to show");
        };
    }

    private static ObjectNode card(String title) {
        ObjectNode content = JSON.createObjectNode();
        content.put("$schema", "http://adaptivecards.io/schemas/adaptive-card.json");
        content.put("type", "AdaptiveCard");
        content.put("version", "1.4");
        ArrayNode body = content.putArray("body");
        ObjectNode heading = body.addObject().put("type", "RichTextBlock");
        heading.putArray("inlines").addObject().put("type", "TextRun").put("text", title).put("size", "Large")
                .put("weight", "Bolder");
        return content;
    }

    private static ObjectNode message(ObjectNode content) {
        ObjectNode message = JSON.createObjectNode().put("type", "message");
        ObjectNode attachment = message.putArray("attachments").addObject();
        attachment.put("contentType", CONTENT_TYPE);
        attachment.putNull("contentUrl");
        attachment.set("content", content);
        return message;
    }

    /** {@code label: value}, the label bold, the value shown verbatim. */
    private static void fact(ArrayNode body, String label, String value) {
        ObjectNode block = body.addObject().put("type", "RichTextBlock").put("spacing", "Small");
        ArrayNode inlines = block.putArray("inlines");
        inlines.addObject().put("type", "TextRun").put("text", label + ": ").put("weight", "Bolder");
        inlines.addObject().put("type", "TextRun")
                .put("text", value == null ? "–" : CardText.truncate(value, VALUE_LIMIT));
    }

    private static ObjectNode plain(ArrayNode body, String text) {
        ObjectNode block = body.addObject().put("type", "RichTextBlock");
        block.putArray("inlines").addObject().put("type", "TextRun").put("text", text);
        return block;
    }
}
