package dev.pgwarden.gate;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import dev.pgwarden.proxy.upstream.SideQueryClient;
import dev.pgwarden.proxy.upstream.UpstreamConnector;

/**
 * The gateway's own upstream connections for planner questions, up to {@code perRole} per database
 * role and event loop: EXPLAIN must run under the session's role (what it may see), never the
 * gateway's login. A question goes to an idle connection of its role, else to a new one while there
 * are fewer than {@code perRole}, else to the one with the shortest queue: sessions sending new texts
 * at once (clients that inline their parameters) are planned side by side instead of in one line.
 * Use on the owning event loop only.
 */
public final class SideConnections implements AutoCloseable {
    private final UpstreamConnector connector;
    private final int perRole;
    private final Map<String, List<SideQueryClient>> byRole = new HashMap<>();

    public SideConnections(UpstreamConnector connector, int perRole) {
        if (perRole < 1) {
            throw new IllegalArgumentException("at least one side connection per role");
        }
        this.connector = connector;
        this.perRole = perRole;
    }

    SideQueryClient forRole(String role) {
        List<SideQueryClient> clients = byRole.computeIfAbsent(role, r -> new ArrayList<>(perRole));
        SideQueryClient least = null;
        for (SideQueryClient c : clients) {
            if (least == null || c.outstanding() < least.outstanding()) {
                least = c;
            }
        }
        if (least != null && (least.outstanding() == 0 || clients.size() >= perRole)) {
            return least;
        }
        SideQueryClient added = new SideQueryClient(connector, role);
        clients.add(added);
        return added;
    }

    @Override
    public void close() {
        byRole.values().forEach(cs -> cs.forEach(SideQueryClient::close));
        byRole.clear();
    }
}
