package dev.pgwarden.approvals.slack;

import java.util.Optional;

/**
 * The Approve and Deny buttons' identity: {@code action_id} is {@code approve:<id>} or {@code deny:<id>}
 * (unique within a message, as Slack requires) and {@code value} is the approval id.
 */
record SlackButtons(String approvalId, boolean approve) {
    static final String APPROVE = "approve:";
    static final String DENY = "deny:";
    /** Slack's limit for an action_id. */
    private static final int ACTION_ID_LIMIT = 255;

    static String approveActionId(String approvalId) {
        return checked(APPROVE + approvalId);
    }

    static String denyActionId(String approvalId) {
        return checked(DENY + approvalId);
    }

    /** The decision a click means, or empty for any action that is not one of our buttons. */
    static Optional<SlackButtons> of(String actionId, String value) {
        if (actionId == null || value == null || value.isEmpty()) {
            return Optional.empty();
        }
        if (actionId.equals(APPROVE + value)) {
            return Optional.of(new SlackButtons(value, true));
        }
        if (actionId.equals(DENY + value)) {
            return Optional.of(new SlackButtons(value, false));
        }
        return Optional.empty();
    }

    private static String checked(String actionId) {
        if (actionId.length() > ACTION_ID_LIMIT) {
            throw new IllegalArgumentException("approval id too long for a Slack action_id");
        }
        return actionId;
    }
}
