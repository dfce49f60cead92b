package dev.pgwarden.policy;

import java.util.Locale;
import java.util.Optional;

/** A content pattern the masking stage looks for in values whose lineage it cannot see (a second net). */
public enum ContentDetector {
    /** US social security numbers. */
    SSN,
    /** Payment card numbers (Luhn-checked). */
    CARD,
    /** E-mail addresses. */
    EMAIL;

    public String policyName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<ContentDetector> fromPolicyName(String name) {
        for (ContentDetector d : values()) {
            if (d.policyName().equals(name)) {
                return Optional.of(d);
            }
        }
        return Optional.empty();
    }
}
