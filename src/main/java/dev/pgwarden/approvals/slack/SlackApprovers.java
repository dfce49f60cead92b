package dev.pgwarden.approvals.slack;

import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Who may click Approve/Deny in Slack: {@code pgwarden.slack.approvers} lists Slack user ids
 * (U..., W...) and/or e-mail addresses (anything with an {@code @}). E-mails compare case-insensitively.
 * An empty list lets nobody decide in Slack.
 */
public final class SlackApprovers {
    private final Set<String> userIds;
    private final Set<String> emails;

    public SlackApprovers(List<String> entries) {
        this.userIds = entries.stream().map(String::trim).filter(e -> !e.isEmpty() && !e.contains("@"))
                .collect(Collectors.toUnmodifiableSet());
        this.emails = entries.stream().map(String::trim).filter(e -> e.contains("@")).map(SlackApprovers::normalize)
                .collect(Collectors.toUnmodifiableSet());
    }

    public boolean isEmpty() {
        return userIds.isEmpty() && emails.isEmpty();
    }

    public boolean byUserId(String userId) {
        return userIds.contains(userId);
    }

    public boolean byEmail(String email) {
        return email != null && emails.contains(normalize(email));
    }

    static String normalize(String email) {
        return email.trim().toLowerCase(Locale.ROOT);
    }
}
