package dev.pgwarden.policy;

import java.util.Locale;
import java.util.Optional;

/** What happens to a statement. */
public enum Action {
    ALLOW,
    BLOCK,
    REQUIRE_APPROVAL;

    public String policyName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<Action> fromPolicyName(String name) {
        for (Action a : values()) {
            if (a.policyName().equals(name)) {
                return Optional.of(a);
            }
        }
        return Optional.empty();
    }

    /** Higher is stricter; a multi-statement string gets its strictest statement's action. */
    int severity() {
        return switch (this) {
            case ALLOW -> 0;
            case REQUIRE_APPROVAL -> 1;
            case BLOCK -> 2;
        };
    }
}
