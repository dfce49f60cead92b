package dev.pgwarden.policy;

import java.util.Locale;
import java.util.Optional;

/**
 * {@code masking.predicates}: what a statement may do with the value of a masked column besides
 * returning it (masked). Conditions, joins, ordering and grouping on a masked column answer
 * questions about values the client cannot see; a prefix test per query recovers a value.
 */
public enum MaskedPredicates {
    /** Anything (no check). */
    ALLOW,
    /** Only an equality lookup against a literal or parameter ({@code = 'x'}, {@code = $1}, {@code IN (...)}) and IS NULL. */
    LOOKUP,
    /** Nothing: a masked column may only be read into the result. */
    BLOCK;

    public String policyName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<MaskedPredicates> fromPolicyName(String name) {
        for (MaskedPredicates p : values()) {
            if (p.policyName().equals(name)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }
}
