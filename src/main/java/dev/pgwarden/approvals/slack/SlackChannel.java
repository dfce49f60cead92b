package dev.pgwarden.approvals.slack;

import java.util.Optional;

import dev.pgwarden.approvals.ApprovalCard;
import dev.pgwarden.approvals.ApprovalChannel;
import dev.pgwarden.approvals.ApprovalOutcome;

/**
 * Approval cards in a Slack channel: {@code chat.postMessage} with Approve/Deny buttons, then
 * {@code chat.update} replacing the buttons with the outcome. Clicks come back on
 * {@link SlackInteractivityResource}.
 */
public final class SlackChannel implements ApprovalChannel {
    private final SlackApi api;
    private final String channel;

    public SlackChannel(SlackApi api, String channel) {
        this.api = api;
        this.channel = channel;
    }

    @Override
    public String name() {
        return "slack";
    }

    /** @return {@code <channel id>:<message ts>} */
    @Override
    public Optional<String> announce(ApprovalCard card) throws Exception {
        SlackApi.Posted posted = api.postMessage(channel, SlackCards.fallback(card), SlackCards.request(card));
        return Optional.of(posted.channel() + ":" + posted.ts());
    }

    @Override
    public void update(String reference, ApprovalCard card, ApprovalOutcome outcome) throws Exception {
        int colon = reference.indexOf(':');
        if (colon <= 0 || colon == reference.length() - 1) {
            throw new IllegalArgumentException("not a Slack message reference (channel:ts): " + reference);
        }
        api.update(reference.substring(0, colon), reference.substring(colon + 1), SlackCards.fallback(card, outcome),
                SlackCards.decided(card, outcome));
    }
}
