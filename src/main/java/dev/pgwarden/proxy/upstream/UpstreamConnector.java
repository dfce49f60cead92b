package dev.pgwarden.proxy.upstream;

import java.util.LinkedHashMap;
import java.util.Map;

import org.jboss.logging.Logger;

import dev.pgwarden.config.GatewayConfig;
import dev.pgwarden.wire.BackendLayout;
import dev.pgwarden.wire.FrontendMessages;
import dev.pgwarden.wire.MessageFramer;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.PemTrustOptions;

/**
 * Opens the gateway's own connection to PostgreSQL: optional TLS, login with the gateway's
 * credential (SCRAM-SHA-256, md5 or cleartext), then {@code SET ROLE} to the mapped role.
 * Call from the client connection's event loop so both sockets share it.
 */
public final class UpstreamConnector {
    private static final Logger LOG = Logger.getLogger(UpstreamConnector.class);
    private static final String READ_ONLY_SETTING = "default_transaction_read_only";

    private final Vertx vertx;
    private final GatewayConfig.Upstream cfg;
    private final UpstreamCredentials credentials;
    private final SslMode sslMode;
    private final NetClient client;
    private final int maxMessageSize;

    public UpstreamConnector(Vertx vertx, GatewayConfig.Upstream cfg, UpstreamCredentials credentials,
            int maxMessageSize) {
        this.vertx = vertx;
        this.cfg = cfg;
        this.credentials = credentials;
        this.sslMode = SslMode.parse(cfg.sslMode());
        this.maxMessageSize = maxMessageSize;
        this.client = vertx.createNetClient(clientOptions(cfg, sslMode));
    }

    private static NetClientOptions clientOptions(GatewayConfig.Upstream cfg, SslMode mode) {
        NetClientOptions o = new NetClientOptions()
                .setTcpNoDelay(true)
                .setTcpKeepAlive(true)
                .setConnectTimeout((int) cfg.connectTimeout().toMillis());
        if (mode == SslMode.REQUIRE) {
            // libpq's sslmode=require: encrypted, server identity not checked.
            o.setTrustAll(true).setHostnameVerificationAlgorithm("");
        } else if (mode == SslMode.VERIFY_FULL) {
            o.setHostnameVerificationAlgorithm("HTTPS");
            cfg.sslRootCert().ifPresent(ca -> o.setTrustOptions(new PemTrustOptions().addCertPath(ca)));
        }
        return o;
    }

    public String host() {
        return cfg.host();
    }

    public int port() {
        return cfg.port();
    }

    /**
     * @param role         the mapped database role (already validated as an identifier); null keeps
     *                     the gateway's own login role (only for the gateway's catalog questions)
     * @param clientParams startup parameters the client may set (application_name, DateStyle, ...)
     */
    public Future<UpstreamSession> connect(String role, Map<String, String> clientParams) {
        return connect(role, false, clientParams);
    }

    /**
     * @param readOnly the session starts with {@code default_transaction_read_only = on}, sent as a startup
     *                 parameter after the client's (so it wins, and RESET returns to it): PostgreSQL itself then
     *                 refuses writes in every transaction that does not ask for READ WRITE (which the policy refuses)
     */
    public Future<UpstreamSession> connect(String role, boolean readOnly, Map<String, String> clientParams) {
        Promise<UpstreamSession> result = Promise.promise();
        long timer = vertx.setTimer(cfg.connectTimeout().toMillis(),
                t -> result.tryFail(new UpstreamFailure("upstream database did not answer within "
                        + cfg.connectTimeout().toSeconds() + " s")));
        client.connect(cfg.port(), cfg.host())
                .recover(e -> Future.failedFuture(new UpstreamFailure("upstream database unavailable at "
                        + cfg.host() + ":" + cfg.port() + " (" + e.getClass().getSimpleName() + ")")))
                .compose(this::negotiateTls)
                .onSuccess(socket -> {
                    UpstreamHandshake handshake = new UpstreamHandshake(socket, credentials, role,
                            new MessageFramer(maxMessageSize, true, BackendLayout::check), result);
                    socket.handler(handshake::onData);
                    socket.closeHandler(v -> result.tryFail(new UpstreamFailure("upstream closed the connection during login")));
                    socket.exceptionHandler(e -> result.tryFail(new UpstreamFailure("upstream connection error during login")));
                    socket.write(FrontendMessages.startup(startupParameters(clientParams, readOnly)));
                })
                .onFailure(result::tryFail);
        return result.future()
                .onComplete(r -> vertx.cancelTimer(timer))
                .onFailure(e -> LOG.debugf("upstream connect failed: %s", e.getMessage()));
    }

    private Map<String, String> startupParameters(Map<String, String> clientParams, boolean readOnly) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("user", credentials.user());
        p.put("database", cfg.database());
        p.putAll(clientParams);
        p.putIfAbsent("application_name", "pgwarden");
        if (readOnly) {
            p.keySet().removeIf(k -> k.equalsIgnoreCase(READ_ONLY_SETTING)); // setting names ignore case
            p.put(READ_ONLY_SETTING, "on");
        }
        return p;
    }

    private Future<NetSocket> negotiateTls(NetSocket socket) {
        if (sslMode == SslMode.DISABLE) {
            return Future.succeededFuture(socket);
        }
        Promise<NetSocket> p = Promise.promise();
        socket.handler(b -> {
            socket.handler(null);
            if (b.length() != 1) {
                socket.close();
                p.tryFail(new UpstreamFailure("upstream sent an invalid answer to SSLRequest"));
            } else if (b.getByte(0) == 'S') {
                socket.upgradeToSsl(cfg.host()).onSuccess(v -> p.tryComplete(socket))
                        .onFailure(e -> {
                            socket.close();
                            p.tryFail(new UpstreamFailure("TLS handshake with the upstream failed: " + e.getMessage()));
                        });
            } else {
                socket.close();
                p.tryFail(new UpstreamFailure("upstream does not support TLS but pgwarden.upstream.ssl-mode="
                        + cfg.sslMode()));
            }
        });
        socket.write(FrontendMessages.sslRequest());
        return p.future();
    }

    /** Sends a CancelRequest for the given upstream backend over a new connection. */
    /**
     * Sends a CancelRequest for that backend.
     *
     * @return completes once PostgreSQL closed the cancel connection, i.e. the signal was delivered
     *         (or it could not be, or {@link #CANCEL_WAIT_MILLIS} passed): a statement sent after that
     *         can no longer be the one cancelled
     */
    public Future<Void> cancel(int processId, byte[] secret) {
        Promise<Void> delivered = Promise.promise();
        Buffer cancel = FrontendMessages.cancelRequest(processId, secret);
        client.connect(cfg.port(), cfg.host()).onSuccess(socket -> {
            if (sslMode == SslMode.DISABLE) {
                awaitServerClose(socket, cancel, delivered);
                return;
            }
            negotiateTls(socket).onSuccess(s -> awaitServerClose(s, cancel, delivered)).onFailure(e -> {
                socket.close();
                delivered.tryComplete();
            });
        }).onFailure(e -> {
            LOG.warnf("could not forward a cancel request upstream: %s", e.getMessage());
            delivered.tryComplete();
        });
        return delivered.future();
    }

    /** PostgreSQL closes a cancel connection once it has signalled the backend. */
    private void awaitServerClose(NetSocket socket, Buffer cancel, Promise<Void> delivered) {
        long timer = vertx.setTimer(CANCEL_WAIT_MILLIS, t -> {
            socket.close();
            delivered.tryComplete();
        });
        socket.closeHandler(v -> {
            vertx.cancelTimer(timer);
            delivered.tryComplete();
        });
        socket.write(cancel);
    }

    /** How long a cancel's delivery is waited for at most. */
    static final long CANCEL_WAIT_MILLIS = 2_000;

    public void close() {
        client.close();
    }

    enum SslMode {
        DISABLE, REQUIRE, VERIFY_FULL;

        static SslMode parse(String s) {
            return switch (s.toLowerCase()) {
                case "disable" -> DISABLE;
                case "require" -> REQUIRE;
                case "verify-full" -> VERIFY_FULL;
                default -> throw new IllegalArgumentException(
                        "pgwarden.upstream.ssl-mode must be disable, require or verify-full, not " + s);
            };
        }
    }
}
