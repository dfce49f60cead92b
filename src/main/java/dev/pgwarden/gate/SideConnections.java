package dev.pgwarden.gate;

import java.util.HashMap;
import java.util.Map;

import dev.pgwarden.proxy.upstream.SideQueryClient;
import dev.pgwarden.proxy.upstream.UpstreamConnector;

/**
 * The gateway's own upstream connections for planner questions, one per database role and event
 * loop: EXPLAIN must run under the session's role (what it may see), never the gateway's login.
 * Use on the owning event loop only.
 */
public final class SideConnections implements AutoCloseable {
    private final UpstreamConnector connector;
    private final Map<String, SideQueryClient> byRole = new HashMap<>();

    public SideConnections(UpstreamConnector connector) {
        this.connector = connector;
    }

    SideQueryClient forRole(String role) {
        return byRole.computeIfAbsent(role, r -> new SideQueryClient(connector, r));
    }

    @Override
    public void close() {
        byRole.values().forEach(SideQueryClient::close);
        byRole.clear();
    }
}
