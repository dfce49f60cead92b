package dev.pgwarden.proxy;

import dev.pgwarden.masking.ResultMasker;
import java.util.function.Supplier;
import java.time.Duration;
import java.util.function.Function;

import dev.pgwarden.identity.TokenAuthenticator;
import dev.pgwarden.policy.PolicyStore;
import dev.pgwarden.proxy.upstream.UpstreamConnector;

/**
 * What a session needs from the gateway, bundled per listener event loop.
 *
 * @param estimates  the planner's row estimates for a role, asked on this loop (call it on the loop)
 * @param volatility this loop's snapshot of which functions have side effects
 * @param tokenExpiry whether sessions end when their token expires
 */
public record GatewayContext(
        TokenAuthenticator authenticator,
        PolicyStore policy,
        StatementGate gate,
        Supplier<ResultMasker> masking,
        CatalogCache catalog,
        VolatilityCache volatility,
        ResultLineage lineage,
        UpstreamConnector connector,
        CancelRegistry cancelRegistry,
        Sessions sessions,
        SessionRecorder.Factory recorders,
        String database,
        int maxMessageSize,
        Duration authTimeout,
        boolean tlsAvailable,
        boolean requireTls,
        boolean allowFunctionCall,
        ApprovalHolds approvals,
        Function<String, RowEstimates> estimates,
        TokenExpiry tokenExpiry) {
}
