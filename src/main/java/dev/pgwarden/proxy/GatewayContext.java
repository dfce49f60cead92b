package dev.pgwarden.proxy;

import java.time.Duration;

import dev.pgwarden.identity.TokenAuthenticator;
import dev.pgwarden.policy.PolicyStore;
import dev.pgwarden.proxy.upstream.UpstreamConnector;

/** What a session needs from the gateway, bundled per listener event loop. */
record GatewayContext(
        TokenAuthenticator authenticator,
        PolicyStore policy,
        StatementGate gate,
        java.util.function.Supplier<dev.pgwarden.masking.ResultMasker> masking,
        CatalogCache catalog,
        dev.pgwarden.gate.LineageResolver lineage,
        UpstreamConnector connector,
        CancelRegistry cancelRegistry,
        Sessions sessions,
        String database,
        int maxMessageSize,
        Duration authTimeout,
        boolean tlsAvailable,
        boolean requireTls,
        boolean allowFunctionCall) {
}
