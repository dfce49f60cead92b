package dev.pgwarden.proxy;

import java.time.Instant;

import dev.pgwarden.identity.Principal;

/** What the policy, masking and audit seams know about a connection. */
public record SessionInfo(String id, Principal principal, String role, String clientAddress, String clientUser,
        String applicationName, boolean tls, Instant startedAt) {
}
