package dev.pgwarden.identity.dev;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Authorization codes: random, single-use and short-lived. Redeeming removes the code whether or not
 * the rest of the token request is valid, so a code never works twice (RFC 6749 section 4.1.2).
 */
final class AuthorizationCodes {
    /** What a code stands for, fixed when the person logged in. */
    record Grant(String clientId, String redirectUri, DevUser user, String nonce, String codeChallenge,
            Instant authTime, Instant expiresAt) {
    }

    private final SecureRandom random = new SecureRandom();
    private final Map<String, Grant> pending = new ConcurrentHashMap<>();
    private final Clock clock;
    private final Duration lifetime;

    AuthorizationCodes(Clock clock, Duration lifetime) {
        this.clock = clock;
        this.lifetime = lifetime;
    }

    String issue(String clientId, String redirectUri, DevUser user, String nonce, String codeChallenge) {
        Instant now = clock.instant();
        pending.values().removeIf(g -> !g.expiresAt().isAfter(now));
        byte[] bytes = new byte[32];
        random.nextBytes(bytes);
        String code = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        pending.put(code, new Grant(clientId, redirectUri, user, nonce, codeChallenge, now, now.plus(lifetime)));
        return code;
    }

    /** The grant behind {@code code}, once; empty when unknown, already used or expired. */
    Optional<Grant> redeem(String code) {
        Grant grant = code == null ? null : pending.remove(code);
        if (grant == null || !grant.expiresAt().isAfter(clock.instant())) {
            return Optional.empty();
        }
        return Optional.of(grant);
    }

    Instant now() {
        return clock.instant();
    }
}
