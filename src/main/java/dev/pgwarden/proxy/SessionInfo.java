package dev.pgwarden.proxy;

import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import dev.pgwarden.identity.Principal;

/**
 * What the policy, masking and audit seams know about a connection.
 *
 * @param sqlPrepared the session's SQL-level prepared statements (PREPARE name AS query), name to query
 * @param estimates   the planner's row estimates under the session's role
 * @param volatility  the catalog's word on which functions have side effects (this event loop's snapshot), or
 *                    null when there is none
 */
public record SessionInfo(String id, Principal principal, String role, String clientAddress, String clientUser,
        String applicationName, boolean tls, Instant startedAt, Map<String, String> sqlPrepared,
        RowEstimates estimates, VolatilityCache volatility) {

    public SessionInfo(String id, Principal principal, String role, String clientAddress, String clientUser,
            String applicationName, boolean tls, Instant startedAt) {
        this(id, principal, role, clientAddress, clientUser, applicationName, tls, startedAt,
                new ConcurrentHashMap<>(), RowEstimates.NONE, null);
    }

}
