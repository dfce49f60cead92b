package dev.pgwarden.policy;

import java.util.Set;

/** Who runs a statement, as far as the policy is concerned: the token's subject and its groups. */
public record PolicyPrincipal(String subject, Set<String> groups) {

    public PolicyPrincipal {
        groups = Set.copyOf(groups);
    }
}
