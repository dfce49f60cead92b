package dev.pgwarden.policy;

import java.util.Locale;
import java.util.Optional;

/**
 * What to do with a result column computed from a masked column ({@code upper(ssn)}, {@code ssn || ''},
 * a UNION branch, {@code to_jsonb(c)}): PostgreSQL reports no table column for it, so lineage masking alone
 * would miss it.
 */
public enum DerivedValues {
    /** Let it through; the decision lists the columns so the masking stage masks the whole computed value. */
    MASK,
    /** Refuse the statement. */
    BLOCK;

    public String policyName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<DerivedValues> fromPolicyName(String name) {
        for (DerivedValues d : values()) {
            if (d.policyName().equals(name)) {
                return Optional.of(d);
            }
        }
        return Optional.empty();
    }
}
