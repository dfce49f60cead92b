package dev.pgwarden.policy;

import java.util.List;

/**
 * One entry of {@code rules:}.
 *
 * @param groups       the rule applies to principals in any of these groups; empty = everyone
 * @param message      shown to the client (block) or on the approval card (require_approval); may be null
 * @param grantMinutes for require_approval: how long an approval lasts; 0 when not set
 * @param line         where the rule starts in the policy file
 */
public record Rule(String name, List<String> groups, RuleMatch match, Action action, String message,
        int grantMinutes, int line) {
}
