package dev.pgwarden.proxy;

import dev.pgwarden.proxy.upstream.UpstreamConnector;
import io.vertx.core.AbstractVerticle;
import io.vertx.core.Promise;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;

/**
 * One listener per event loop: Vert.x spreads accepted connections across the instances, and each
 * connection's upstream socket is opened from (and stays on) the same loop.
 */
final class ListenerVerticle extends AbstractVerticle {
    private final NetServerOptions options;
    private final java.util.function.BiFunction<UpstreamConnector, CatalogCache, GatewayContext> contextFactory;
    private final UpstreamConnectorFactory connectorFactory;
    private NetServer server;
    private UpstreamConnector connector;
    private dev.pgwarden.proxy.upstream.SideQueryClient catalogClient;

    interface UpstreamConnectorFactory {
        UpstreamConnector create(io.vertx.core.Vertx vertx);
    }

    ListenerVerticle(NetServerOptions options, UpstreamConnectorFactory connectorFactory,
            java.util.function.BiFunction<UpstreamConnector, CatalogCache, GatewayContext> contextFactory) {
        this.options = options;
        this.connectorFactory = connectorFactory;
        this.contextFactory = contextFactory;
    }

    @Override
    public void start(Promise<Void> started) {
        connector = connectorFactory.create(vertx);
        // The gateway's own catalog questions run on this loop's side connection, under its login role.
        catalogClient = new dev.pgwarden.proxy.upstream.SideQueryClient(connector, null);
        CatalogCache catalog = new CatalogCache(catalogClient);
        catalog.reload();
        GatewayContext gw = contextFactory.apply(connector, catalog);
        server = vertx.createNetServer(options);
        server.connectHandler(socket -> new ClientSession(socket, gw, vertx).start());
        server.listen().<Void>mapEmpty().onComplete(started);
    }

    @Override
    public void stop() {
        if (catalogClient != null) {
            catalogClient.close();
        }
        if (connector != null) {
            connector.close();
        }
    }

    NetServer server() {
        return server;
    }
}
