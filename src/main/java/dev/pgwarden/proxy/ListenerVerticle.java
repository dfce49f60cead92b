package dev.pgwarden.proxy;

import java.util.function.Function;

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
    private final Function<UpstreamConnector, GatewayContext> contextFactory;
    private final UpstreamConnectorFactory connectorFactory;
    private NetServer server;
    private UpstreamConnector connector;

    interface UpstreamConnectorFactory {
        UpstreamConnector create(io.vertx.core.Vertx vertx);
    }

    ListenerVerticle(NetServerOptions options, UpstreamConnectorFactory connectorFactory,
            Function<UpstreamConnector, GatewayContext> contextFactory) {
        this.options = options;
        this.connectorFactory = connectorFactory;
        this.contextFactory = contextFactory;
    }

    @Override
    public void start(Promise<Void> started) {
        connector = connectorFactory.create(vertx);
        GatewayContext gw = contextFactory.apply(connector);
        server = vertx.createNetServer(options);
        server.connectHandler(socket -> new ClientSession(socket, gw, vertx).start());
        server.listen().<Void>mapEmpty().onComplete(started);
    }

    @Override
    public void stop() {
        if (connector != null) {
            connector.close();
        }
    }

    NetServer server() {
        return server;
    }
}
