package dev.pgwarden.policy;

import java.util.Locale;
import java.util.Optional;

/** How a masked column's values are rewritten in results (applied by the masking stage). */
public enum MaskFunction {
    /** Replaced by a fixed marker. */
    REDACT,
    /** All but the last four characters replaced. */
    LAST4,
    /** A keyed hash, so equal values stay joinable without being readable. */
    HASH,
    /** SQL NULL. */
    NULL,
    /** The local part hidden, the domain kept. */
    EMAIL;

    public String policyName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<MaskFunction> fromPolicyName(String name) {
        for (MaskFunction f : values()) {
            if (f.policyName().equals(name)) {
                return Optional.of(f);
            }
        }
        return Optional.empty();
    }
}
