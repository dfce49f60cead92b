package dev.pgwarden.proxy;

import dev.pgwarden.proxy.upstream.SideQueryClient;
import io.vertx.core.Vertx;
import dev.pgwarden.proxy.upstream.UpstreamConnector;
import io.vertx.core.AbstractVerticle;
import io.vertx.core.Promise;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;

/**
 * One listener per event loop: Vert.x spreads accepted connections across the instances, and each
 * connection's upstream socket is opened from (and stays on) the same loop.
 */
public final class ListenerVerticle extends AbstractVerticle {
    public static final dev.pgwarden.wire.PgError SHUTTING_DOWN = dev.pgwarden.wire.PgError.fatal(
            dev.pgwarden.wire.SqlState.ADMIN_SHUTDOWN, "pgwarden is shutting down");
    private final NetServerOptions options;
    private final ContextFactory contextFactory;
    private AutoCloseable lineage;

    /** Builds the per-loop context from this loop's upstream connector and catalog snapshots. */
    public interface ContextFactory {
        GatewayContext create(UpstreamConnector connector, CatalogCache catalog, VolatilityCache volatility);
    }
    private final UpstreamConnectorFactory connectorFactory;
    private NetServer server;
    private volatile boolean accepting = true;
    private UpstreamConnector connector;
    private SideQueryClient catalogClient;
    private final java.time.Duration catalogCheckInterval;
    private CatalogWatch catalogWatch;

    public interface UpstreamConnectorFactory {
        UpstreamConnector create(Vertx vertx);
    }

    public ListenerVerticle(NetServerOptions options, UpstreamConnectorFactory connectorFactory,
            ContextFactory contextFactory, java.time.Duration catalogCheckInterval) {
        this.options = options;
        this.catalogCheckInterval = catalogCheckInterval;
        this.connectorFactory = connectorFactory;
        this.contextFactory = contextFactory;
    }

    @Override
    public void start(Promise<Void> started) {
        connector = connectorFactory.create(vertx);
        // The gateway's own catalog questions run on this loop's side connection, under its login role.
        catalogClient = new SideQueryClient(connector, null);
        CatalogCache catalog = new CatalogCache(catalogClient);
        catalog.reload();
        VolatilityCache volatility = new VolatilityCache(catalogClient, context);
        volatility.reload();
        GatewayContext gw = contextFactory.create(connector, catalog, volatility);
        catalogWatch = new CatalogWatch(catalogClient, context, catalogCheckInterval);
        // Decisions are dropped once the snapshots they are made on are read again, not before.
        catalogWatch.onChange(() -> io.vertx.core.Future.join(catalog.reload(), volatility.reload())
                .onComplete(r -> gw.gate().catalogChanged()));
        catalog.watchedBy(catalogWatch);
        catalogWatch.start();
        lineage = gw.lineage() instanceof AutoCloseable c ? c : null;
        server = vertx.createNetServer(options);
        server.connectHandler(socket -> {
            if (accepting) {
                new ClientSession(socket, gw, vertx).start();
            } else {
                socket.end(dev.pgwarden.wire.BackendMessages.error(SHUTTING_DOWN));
            }
        });
        server.listen().<Void>mapEmpty().onComplete(started);
    }

    @Override
    public void stop() throws Exception {
        if (catalogWatch != null) {
            catalogWatch.stop();
        }
        if (catalogClient != null) {
            catalogClient.close();
        }
        if (lineage != null) {
            lineage.close();
        }
        if (connector != null) {
            connector.close();
        }
    }

    NetServer server() {
        return server;
    }

    /**
     * Graceful shutdown, step one: new connections are answered with FATAL 57P01 and closed, open
     * sessions are untouched. (The listening socket itself stays bound until undeploy: in Vert.x 4,
     * closing a NetServer also closes every connection it accepted.)
     */
    public void stopAccepting() {
        accepting = false;
    }
}
