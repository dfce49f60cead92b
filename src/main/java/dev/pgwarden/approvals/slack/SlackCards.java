package dev.pgwarden.approvals.slack;

import static com.slack.api.model.block.Blocks.actions;
import static com.slack.api.model.block.Blocks.context;
import static com.slack.api.model.block.Blocks.header;
import static com.slack.api.model.block.Blocks.section;
import static com.slack.api.model.block.composition.BlockCompositions.markdownText;
import static com.slack.api.model.block.composition.BlockCompositions.plainText;
import static com.slack.api.model.block.element.BlockElements.button;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import com.slack.api.model.block.LayoutBlock;
import com.slack.api.model.block.composition.TextObject;

import dev.pgwarden.approvals.ApprovalCard;
import dev.pgwarden.approvals.ApprovalOutcome;
import dev.pgwarden.approvals.CardText;

/**
 * Block Kit for an approval request: the facts, the statement in a code block, Approve/Deny
 * buttons; once decided, the same facts with the outcome instead of the buttons. Every value that
 * comes from a request is escaped, so a statement cannot mention {@code @channel}, link or format.
 */
final class SlackCards {
    static final String ACTIONS_BLOCK = "decision";
    static final String OUTCOME_BLOCK = "outcome";

    private SlackCards() {
    }

    static List<LayoutBlock> request(ApprovalCard card) {
        List<LayoutBlock> blocks = facts(card);
        blocks.add(actions(ACTIONS_BLOCK, List.of(
                button(b -> b.actionId(SlackButtons.approveActionId(card.id())).value(card.id())
                        .text(plainText("Approve")).style("primary")),
                button(b -> b.actionId(SlackButtons.denyActionId(card.id())).value(card.id())
                        .text(plainText("Deny")).style("danger")))));
        blocks.add(footer(card));
        return blocks;
    }

    static List<LayoutBlock> decided(ApprovalCard card, ApprovalOutcome outcome) {
        List<LayoutBlock> blocks = facts(card);
        blocks.add(section(s -> s.blockId(OUTCOME_BLOCK).text(markdownText(outcomeText(outcome)))));
        blocks.add(footer(card));
        return blocks;
    }

    /**
     * The notification text (push notifications, screen readers, clients without blocks). Slack reads
     * it as mrkdwn too, so it is escaped like the blocks.
     */
    static String fallback(ApprovalCard card) {
        return SlackText.escapeWithin("Approval requested: " + card.subject() + " on " + card.database()
                + " (rule " + card.rule() + ")", 300);
    }

    static String fallback(ApprovalCard card, ApprovalOutcome outcome) {
        return SlackText.escapeWithin(plainOutcome(outcome) + ": request by " + card.subject() + " on "
                + card.database(), 300);
    }

    static String outcomeText(ApprovalOutcome outcome) {
        String by = outcome.decidedBy() == null ? "" : " by " + escapeField(outcome.decidedBy(), 200);
        String when = outcome.decidedAt() == null ? "" : " " + date(outcome.decidedAt());
        String text = switch (outcome.status()) {
            case APPROVED -> ":white_check_mark: *Approved*" + by + when;
            case DENIED -> ":no_entry: *Denied*" + by + when;
            case EXPIRED -> ":hourglass: *Expired*: nobody decided in time" + when;
            case CANCELLED -> ":x: *Cancelled*: the client disconnected before a decision" + when;
            case PENDING -> throw new IllegalArgumentException("a pending request has no outcome to show");
        };
        if (outcome.reason() != null && !outcome.reason().isBlank()) {
            text += "\n>" + escapeField(outcome.reason(), 1000).replace("\n", "\n>");
        }
        return text;
    }

    private static String plainOutcome(ApprovalOutcome outcome) {
        return switch (outcome.status()) {
            case APPROVED -> "Approved" + (outcome.decidedBy() == null ? "" : " by " + outcome.decidedBy());
            case DENIED -> "Denied" + (outcome.decidedBy() == null ? "" : " by " + outcome.decidedBy());
            case EXPIRED -> "Expired";
            case CANCELLED -> "Cancelled (client disconnected)";
            case PENDING -> "Pending";
        };
    }

    private static List<LayoutBlock> facts(ApprovalCard card) {
        List<TextObject> fields = new ArrayList<>();
        fields.add(field("Who", CardText.who(card)));
        fields.add(field("Database", card.database()));
        fields.add(field("Client", card.clientAddress()));
        fields.add(field("Rule", card.rule()));
        fields.add(field("Estimated rows", CardText.rows(card.estimatedRows())));
        fields.add(markdownText("*Expires*\n" + date(card.expiresAt())));
        List<LayoutBlock> blocks = new ArrayList<>();
        blocks.add(header(h -> h.text(plainText("Database statement waiting for approval"))));
        blocks.add(section(s -> s.fields(fields)));
        blocks.add(section(s -> s.text(markdownText(SlackText.codeBlock(card.statement(), SlackText.SECTION_LIMIT)))));
        return blocks;
    }

    private static LayoutBlock footer(ApprovalCard card) {
        String text = "Request `" + escapeField(card.id(), 200) + "`";
        if (CardText.isAbsoluteWebUrl(card.approvalUrl())) {
            text += " · <" + SlackText.escape(card.approvalUrl()).replace("|", "%7C") + "|Open in the console>";
        }
        String footer = text;
        return context(List.of(markdownText(footer)));
    }

    private static TextObject field(String label, String value) {
        String prefix = "*" + label + "*\n";
        return markdownText(prefix + escapeField(value == null ? "–" : value, SlackText.FIELD_LIMIT - prefix.length()));
    }

    private static String escapeField(String value, int maxChars) {
        return SlackText.escapeWithin(value, maxChars);
    }

    /** Rendered in each reader's own time zone by Slack; the fallback is UTC. */
    private static String date(Instant instant) {
        return "<!date^" + instant.getEpochSecond() + "^{date_short_pretty} {time_secs}|" + CardText.utc(instant) + ">";
    }
}
