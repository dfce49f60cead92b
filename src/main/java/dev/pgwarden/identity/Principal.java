package dev.pgwarden.identity;

import java.time.Instant;
import java.util.Set;

/** Who is behind a connection, as established from a validated access token. */
public record Principal(String subject, Set<String> groups, String issuer, Instant expiresAt) {
    public Principal {
        groups = Set.copyOf(groups);
    }
}
