package dev.pgwarden.loopback;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import dev.pgwarden.wire.FrontendMessages;
import dev.pgwarden.wire.MessageFramer;
import dev.pgwarden.wire.MessageTypes;
import dev.pgwarden.wire.PgError;
import dev.pgwarden.wire.ProtocolException;
import dev.pgwarden.wire.SqlState;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.PemTrustOptions;

/**
 * Logs in to the gateway's listener as an ordinary client: SSLRequest when the listener offers TLS,
 * StartupMessage, the caller's token as the cleartext password the listener asks for, then waits
 * for ReadyForQuery. The listener validates the token and maps the role exactly as for psql.
 * Call from the event loop the session should live on.
 */
public final class LoopbackLogin {
    /** Why a login failed: the listener's ErrorResponse, or a connection problem (08006). */
    public static final class LoginFailure extends RuntimeException {
        private final transient PgError error;

        LoginFailure(PgError error) {
            super(error.message(), null, false, false);
            this.error = error;
        }

        public PgError error() {
            return error;
        }
    }

    private final Vertx vertx;
    private final LoopbackTarget target;
    private final Duration timeout;
    private final NetClient client;

    public LoopbackLogin(Vertx vertx, LoopbackTarget target, Duration timeout) {
        this.vertx = vertx;
        this.target = target;
        this.timeout = timeout;
        NetClientOptions options = new NetClientOptions().setTcpNoDelay(true)
                .setConnectTimeout((int) timeout.toMillis());
        target.tlsCertFile().ifPresent(cert -> options
                // The listener's own certificate is the only one trusted; its name need not be "localhost".
                .setTrustOptions(new PemTrustOptions().addCertPath(cert))
                .setHostnameVerificationAlgorithm(""));
        this.client = vertx.createNetClient(options);
    }

    /**
     * @param user            the startup user (the token's subject; the listener records it)
     * @param token           the caller's OIDC access token, sent as the password and nowhere else
     * @param applicationName recorded in the audit trail
     */
    public Future<LoopbackSession> login(String user, String token, String applicationName) {
        Promise<LoopbackSession> result = Promise.promise();
        long timer = vertx.setTimer(timeout.toMillis(), t -> result.tryFail(failure(SqlState.CONNECTION_FAILURE,
                "the gateway's listener did not complete the login within " + timeout.toSeconds() + " s")));
        client.connect(target.port(), target.host())
                .compose(this::negotiateTls)
                .onSuccess(socket -> new Handshake(socket, token, result).start(startup(user, applicationName)))
                .onFailure(e -> result.tryFail(e instanceof LoginFailure ? e : failure(SqlState.CONNECTION_FAILURE,
                        "the gateway's listener is not reachable at " + target.host() + ":" + target.port())));
        return result.future().onComplete(r -> vertx.cancelTimer(timer));
    }

    private Map<String, String> startup(String user, String applicationName) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("user", user);
        p.put("database", target.database());
        p.put("application_name", applicationName);
        p.put("client_encoding", "UTF8");
        return p;
    }

    private Future<NetSocket> negotiateTls(NetSocket socket) {
        if (target.tlsCertFile().isEmpty()) {
            return Future.succeededFuture(socket);
        }
        Promise<NetSocket> p = Promise.promise();
        socket.handler(b -> {
            socket.handler(null);
            if (b.length() == 1 && b.getByte(0) == 'S') {
                socket.upgradeToSsl().onSuccess(v -> p.tryComplete(socket)).onFailure(e -> {
                    socket.close();
                    p.tryFail(failure(SqlState.CONNECTION_FAILURE, "TLS handshake with the gateway's listener failed"));
                });
            } else {
                socket.close(); // fail closed: the token never goes out unencrypted when TLS was expected
                p.tryFail(failure(SqlState.CONNECTION_FAILURE, "the gateway's listener did not accept TLS"));
            }
        });
        socket.write(FrontendMessages.sslRequest());
        return p.future();
    }

    static LoginFailure failure(String sqlState, String message) {
        return new LoginFailure(PgError.fatal(sqlState, message));
    }

    public void close() {
        client.close();
    }

    /** One login's messages until ReadyForQuery. */
    private final class Handshake implements MessageFramer.Visitor {
        private final NetSocket socket;
        private final String token;
        private final Promise<LoopbackSession> result;
        private final MessageFramer framer = new MessageFramer(target.maxMessageSize(), true);
        private boolean authenticated;

        Handshake(NetSocket socket, String token, Promise<LoopbackSession> result) {
            this.socket = socket;
            this.token = token;
            this.result = result;
        }

        void start(Map<String, String> startup) {
            socket.handler(chunk -> {
                try {
                    framer.feed(chunk, this);
                } catch (ProtocolException | LoginFailure e) {
                    fail(e instanceof LoginFailure lf ? lf
                            : failure(SqlState.PROTOCOL_VIOLATION, "invalid message from the gateway's listener"));
                }
            });
            socket.closeHandler(v -> fail(failure(SqlState.CONNECTION_FAILURE,
                    "the gateway's listener closed the connection during login")));
            socket.exceptionHandler(e -> fail(failure(SqlState.CONNECTION_FAILURE,
                    "connection error during login to the gateway's listener")));
            result.future().onFailure(e -> socket.close());
            socket.write(FrontendMessages.startup(startup));
        }

        @Override
        public boolean onMessage(byte type, Buffer buf, int start, int end) {
            if (result.future().isComplete()) {
                return false;
            }
            switch (type) {
                case MessageTypes.AUTHENTICATION -> authentication(buf.getInt(start + 5));
                case MessageTypes.ERROR_RESPONSE -> throw new LoginFailure(PgError.parse(buf, start, end));
                case MessageTypes.READY_FOR_QUERY -> {
                    if (!authenticated) {
                        throw failure(SqlState.PROTOCOL_VIOLATION, "ReadyForQuery before authentication");
                    }
                    socket.handler(null);
                    socket.closeHandler(null);
                    socket.exceptionHandler(null);
                    result.tryComplete(new LoopbackSession(socket, framer));
                    return false;
                }
                default -> {
                    // ParameterStatus, BackendKeyData, NoticeResponse (ignored startup parameters), NegotiateProtocolVersion
                }
            }
            return true;
        }

        private void authentication(int kind) {
            if (kind == MessageTypes.AUTH_CLEARTEXT && !authenticated) {
                socket.write(FrontendMessages.password(token));
            } else if (kind == MessageTypes.AUTH_OK) {
                authenticated = true;
            } else {
                throw failure(SqlState.PROTOCOL_VIOLATION, "the gateway's listener asked for authentication method " + kind);
            }
        }

        private void fail(LoginFailure e) {
            result.tryFail(e);
        }
    }
}
