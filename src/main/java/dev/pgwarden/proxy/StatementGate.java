package dev.pgwarden.proxy;

import dev.pgwarden.wire.PgError;

/**
 * The policy seam: every simple-query string and every Parse'd statement passes here before it
 * reaches PostgreSQL. Returning a refusal makes the gateway answer with that error in the
 * statement's place (in order, with the protocol's skip-to-Sync semantics).
 */
public interface StatementGate {

    /** @return null to let the statement through, or the error the client gets instead */
    PgError check(SessionInfo session, String sql, boolean extendedProtocol);

    /** The default until a policy is configured: everything passes. */
    StatementGate PASS_THROUGH = (session, sql, extended) -> null;
}
