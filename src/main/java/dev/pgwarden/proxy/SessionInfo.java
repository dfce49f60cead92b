package dev.pgwarden.proxy;

import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import dev.pgwarden.identity.Principal;
import dev.pgwarden.wire.ObjectNames;

/**
 * What the policy, masking and audit seams know about a connection.
 *
 * @param sqlPrepared the session's SQL-level prepared statements (PREPARE name AS query), name (keyed as
 *                    PostgreSQL keys it) to query, or to {@link #UNCERTAIN} or {@link #DEALLOCATING}
 * @param estimates   the planner's row estimates under the session's role
 * @param volatility  the catalog's word on which functions have side effects (this event loop's snapshot), or
 *                    null when there is none
 */
public record SessionInfo(String id, Principal principal, String role, String clientAddress, String clientUser,
        String applicationName, boolean tls, Instant startedAt, Map<String, String> sqlPrepared,
        RowEstimates estimates, VolatilityCache volatility) {

    /**
     * What a prepared statement name holds when pgwarden cannot know which query PostgreSQL has under it
     * (a PREPARE of a name the session had, which PostgreSQL may refuse; a Parse or Close of the name by
     * the protocol, which shares the namespace): an EXECUTE of it is refused.
     */
    public static final String UNCERTAIN = "\0uncertain";
    /**
     * A DEALLOCATE of the name was decided but PostgreSQL has not confirmed it (CommandComplete): it may
     * fail or be skipped (an aborted transaction). Until it is confirmed the name is not free: an EXECUTE
     * is refused and a PREPARE of it turns it {@link #UNCERTAIN}.
     */
    public static final String DEALLOCATING = "\0deallocating";

    public SessionInfo(String id, Principal principal, String role, String clientAddress, String clientUser,
            String applicationName, boolean tls, Instant startedAt) {
        this(id, principal, role, clientAddress, clientUser, applicationName, tls, startedAt,
                new ConcurrentHashMap<>(), RowEstimates.NONE, null);
    }

    /**
     * The query an SQL {@code EXECUTE name} runs, or null when the name is unknown, {@link #UNCERTAIN} or
     * {@link #DEALLOCATING}.
     */
    public String preparedQuery(String name) {
        String q = sqlPrepared.get(ObjectNames.identifier(name));
        return q == null || UNCERTAIN.equals(q) || DEALLOCATING.equals(q) ? null : q;
    }
}
