package dev.pgwarden.proxy;

import java.time.Duration;

import dev.pgwarden.wire.PgError;
import dev.pgwarden.wire.SqlState;

/**
 * Whether a session ends when its access token expires ({@code pgwarden.identity.end-at-token-expiry}),
 * and how long a statement in flight at that moment may still run ({@code expiry-grace}).
 */
public record TokenExpiry(boolean enabled, Duration grace) {
    static final TokenExpiry NEVER = new TokenExpiry(false, Duration.ZERO);

    /** What the client is told; 57P01 like any other administrator-ended session, so pools reconnect. */
    static final PgError EXPIRED = PgError.fatal(SqlState.ADMIN_SHUTDOWN,
            "terminating connection because its access token expired; reconnect with a fresh token");

    /** The session's end reason in the audit trail. */
    static final String END_REASON = "token expired";
}
