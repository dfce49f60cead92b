package dev.pgwarden.proxy;

import java.util.concurrent.CompletionException;
import java.time.Instant;
import java.util.concurrent.ConcurrentHashMap;
import java.util.List;
import java.util.UUID;

import org.jboss.logging.Logger;

import dev.pgwarden.identity.AuthenticationFailure;
import dev.pgwarden.identity.Principal;
import dev.pgwarden.proxy.upstream.UpstreamFailure;
import dev.pgwarden.proxy.upstream.UpstreamSession;
import dev.pgwarden.wire.Frames;
import dev.pgwarden.wire.FrontendLayout;
import dev.pgwarden.wire.BackendMessages;
import dev.pgwarden.wire.MessageFramer;
import dev.pgwarden.wire.MessageTypes;
import dev.pgwarden.wire.PgError;
import dev.pgwarden.wire.ProtocolException;
import dev.pgwarden.wire.SqlState;
import dev.pgwarden.wire.StartupPacket;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetSocket;

/**
 * One client connection from accept to relay: TLS negotiation, startup packet, the token as
 * cleartext password, identity and role mapping, upstream login. Then it hands over to {@link Relay}.
 */
final class ClientSession implements MessageFramer.Visitor {
    private static final Logger LOG = Logger.getLogger(ClientSession.class);

    enum State { STARTUP, AWAITING_PASSWORD, AUTHENTICATING, READY, CLOSED }

    private final NetSocket socket;
    private final GatewayContext gw;
    private final Context context;
    private final MessageFramer framer;
    private final String id = UUID.randomUUID().toString();
    private State state = State.STARTUP;
    private boolean tls;
    private StartupPacket.Startup startup;
    private long authTimer;
    private CancelRegistry.Key cancelKey;
    private volatile Relay relay; // read by graceful shutdown from another thread
    private boolean finished;

    ClientSession(NetSocket socket, GatewayContext gw, Vertx vertx) {
        this.socket = socket;
        this.gw = gw;
        this.context = vertx.getOrCreateContext();
        this.framer = new MessageFramer(gw.maxMessageSize(), false, FrontendLayout::check);
    }

    void start() {
        gw.sessions().opened(this);
        authTimer = context.owner().setTimer(gw.authTimeout().toMillis(), t -> {
            if (state.ordinal() < State.READY.ordinal()) {
                fail(PgError.fatal(SqlState.PROTOCOL_VIOLATION, "authentication timeout: no valid login within "
                        + gw.authTimeout().toSeconds() + " s"));
            }
        });
        socket.handler(this::onData);
        socket.closeHandler(v -> closed());
        socket.exceptionHandler(e -> {
            LOG.debugf("client connection error before login: %s", e.getMessage());
            socket.close();
        });
    }

    String id() {
        return id;
    }

    private void onData(Buffer chunk) {
        if (state == State.CLOSED) {
            return;
        }
        try {
            framer.feed(chunk, this);
        } catch (ProtocolException e) {
            fail(PgError.fatal(e.sqlState(), e.getMessage()));
        } catch (RuntimeException e) {
            // A reader trusting a field the checks should have refused: a bug, but it ends only this connection.
            LOG.errorf(e, "unchecked failure reading a client's startup message");
            fail(PgError.fatal(SqlState.PROTOCOL_VIOLATION, "malformed protocol message"));
        }
    }

    @Override
    public boolean onMessage(byte type, Buffer buf, int start, int end) {
        switch (state) {
            case STARTUP:
                return onStartupPacket(StartupPacket.parse(buf, start, end));
            case AWAITING_PASSWORD:
                if (type != MessageTypes.PASSWORD) {
                    throw new ProtocolException("expected a password message, got type " + (type & 0xff));
                }
                int nul = Frames.stringEnd(buf, start + 5, end);
                if (nul != end - 1) {
                    throw new ProtocolException("malformed password message");
                }
                authenticate(Frames.string(buf, start + 5, nul));
                return false;
            default:
                // Pipelined bytes while we authenticate stay buffered in the framer for the relay.
                return false;
        }
    }

    private boolean onStartupPacket(StartupPacket packet) {
        if (packet instanceof StartupPacket.SslRequest) {
            negotiateTls();
            return false;
        }
        if (packet instanceof StartupPacket.GssEncRequest) {
            requireNothingBuffered("GSSENCRequest");
            socket.write(Buffer.buffer(new byte[] { 'N' }));
            return true;
        }
        if (packet instanceof StartupPacket.CancelRequest cancel) {
            boolean forwarded = gw.cancelRegistry().cancel(cancel.processId(), cancel.secret());
            LOG.debugf("cancel request %s", forwarded ? "forwarded" : "matched no session");
            close();
            return false;
        }
        return onStartup((StartupPacket.Startup) packet);
    }

    private void negotiateTls() {
        // Bytes pipelined behind SSLRequest were sent before encryption was agreed: an injection
        // attempt (CVE-2021-23222 class), so they are rejected rather than processed.
        requireNothingBuffered("SSLRequest");
        if (tls || !gw.tlsAvailable()) {
            socket.write(Buffer.buffer(new byte[] { 'N' })); // the client may go on in the clear
            return;
        }
        socket.pause();
        socket.write(Buffer.buffer(new byte[] { 'S' }));
        socket.upgradeToSsl().onComplete(r -> {
            if (r.failed()) {
                LOG.debugf("client TLS handshake failed: %s", r.cause().getMessage());
                close();
                return;
            }
            tls = true;
            socket.resume();
        });
    }

    private void requireNothingBuffered(String request) {
        if (framer.hasBufferedBytes()) {
            framer.discardBuffered();
            throw new ProtocolException("unexpected data after " + request);
        }
    }

    private boolean onStartup(StartupPacket.Startup packet) {
        if (packet.majorVersion() != 3) {
            throw new ProtocolException(SqlState.FEATURE_NOT_SUPPORTED, "unsupported frontend protocol "
                    + packet.majorVersion() + "." + packet.minorVersion() + ": pgwarden supports 3.0");
        }
        List<String> protocolOptions = packet.parameters().keySet().stream().filter(k -> k.startsWith("_pq_.")).toList();
        if (packet.minorVersion() > 0 || !protocolOptions.isEmpty()) {
            socket.write(BackendMessages.negotiateProtocolVersion(0, protocolOptions));
        }
        if (packet.user() == null || packet.user().isEmpty()) {
            throw new ProtocolException(SqlState.INVALID_AUTHORIZATION, "no user name specified in the startup packet");
        }
        if (packet.parameters().containsKey("replication")
                && !"false".equalsIgnoreCase(packet.parameters().get("replication"))) {
            throw new ProtocolException(SqlState.FEATURE_NOT_SUPPORTED, "replication connections are not supported by pgwarden");
        }
        if (gw.requireTls() && !tls) {
            throw new ProtocolException(SqlState.INVALID_AUTHORIZATION,
                    "pgwarden requires TLS: the password is an access token; connect with sslmode=require");
        }
        if (!gw.database().equals(packet.database())) {
            throw new ProtocolException(SqlState.INVALID_CATALOG_NAME, "database \"" + packet.database()
                    + "\" is not served by this gateway (it serves \"" + gw.database() + "\")");
        }
        startup = packet;
        state = State.AWAITING_PASSWORD;
        framer.switchToTypedMessages();
        socket.write(BackendMessages.authenticationCleartextPassword());
        return true;
    }

    private void authenticate(String token) {
        state = State.AUTHENTICATING;
        socket.pause();
        gw.authenticator().authenticate(token).whenComplete((principal, error) -> context.runOnContext(v -> {
            if (state != State.AUTHENTICATING) {
                return;
            }
            if (error != null) {
                authenticationFailed(error);
            } else {
                authorize(principal);
            }
        }));
    }

    private void authenticationFailed(Throwable error) {
        Throwable cause = error instanceof CompletionException ? error.getCause() : error;
        gw.sessions().loginRefusedToken();
        if (cause instanceof AuthenticationFailure af) {
            LOG.infof("login refused from %s: %s", socket.remoteAddress(), af.getMessage());
            fail(PgError.fatal(af.sqlState(), af.getMessage()));
        } else {
            LOG.warnf("token validation error from %s: %s", socket.remoteAddress(), cause.getClass().getSimpleName());
            fail(PgError.fatal(SqlState.INVALID_PASSWORD, "access token could not be validated"));
        }
    }

    private void authorize(Principal principal) {
        var mapping = gw.policy().current().mappingFor(principal.groups());
        if (mapping.isEmpty()) {
            gw.sessions().loginRefusedNoRole();
            LOG.infof("login refused for %s: no role mapped to groups %s", principal.subject(), principal.groups());
            fail(PgError.fatal(SqlState.INVALID_AUTHORIZATION, "no database role is mapped to the groups of \""
                    + principal.subject() + "\" " + principal.groups()));
            return;
        }
        StartupParameters params = new StartupParameters(startup.parameters());
        gw.connector().connect(mapping.get().role(), mapping.get().readOnly(), params.forwarded()).onComplete(r -> {
            if (state != State.AUTHENTICATING) {
                if (r.succeeded()) {
                    r.result().socket().close();
                }
                return;
            }
            if (r.failed()) {
                gw.sessions().upstreamConnectFailed();
                Throwable e = r.cause();
                String sqlState = e instanceof UpstreamFailure uf ? uf.sqlState() : SqlState.CONNECTION_FAILURE;
                fail(PgError.fatal(sqlState, e instanceof UpstreamFailure ? e.getMessage() : "upstream database unavailable"));
                return;
            }
            ready(principal, r.result(), params);
        });
    }

    private void ready(Principal principal, UpstreamSession up, StartupParameters params) {
        context.owner().cancelTimer(authTimer);
        // application_name as PostgreSQL keeps and reports it (printable ASCII; it makes the rest '?'),
        // not as the client sent it: the trail then holds no control characters a reader's terminal runs
        SessionInfo info = new SessionInfo(id, principal, up.role(), String.valueOf(socket.remoteAddress()),
                startup.user(), up.parameters().getOrDefault("application_name", ""), tls, Instant.now(),
                new ConcurrentHashMap<>(), gw.estimates().apply(up.role()), gw.volatility());
        cancelKey = gw.cancelRegistry().register(new CancelRegistry.Target(gw.connector(), up.processId(),
                up.secretKey(), () -> gw.approvals().cancelled(info)));
        Buffer out = Buffer.buffer(512).appendBuffer(BackendMessages.authenticationOk());
        up.parameters().forEach((k, v) -> out.appendBuffer(BackendMessages.parameterStatus(k, v)));
        if (!params.ignored().isEmpty()) {
            out.appendBuffer(BackendMessages.notice(PgError.notice(
                    "pgwarden ignored startup parameters " + params.ignored())));
        }
        out.appendBuffer(BackendMessages.backendKeyData(cancelKey.processId(), cancelKey.secret()));
        out.appendBuffer(BackendMessages.readyForQuery('I'));
        socket.write(out);
        LOG.infof("session %s: %s %s as role %s from %s", id, principal.subject(), principal.groups(), up.role(),
                socket.remoteAddress());
        state = State.READY;
        relay = new Relay(socket, framer, up, info, gw, this::closed);
        relay.start();
    }

    private void fail(PgError error) {
        if (state == State.CLOSED) {
            return;
        }
        if (relay != null) {
            relay.close(error);
            return;
        }
        state = State.CLOSED;
        socket.end(BackendMessages.error(error));
        closed();
    }

    private void close() {
        state = State.CLOSED;
        socket.close();
        closed();
    }

    /** Idempotent end of the session, whichever side closed first. */
    private void closed() {
        if (finished) {
            return;
        }
        finished = true;
        state = State.CLOSED;
        context.owner().cancelTimer(authTimer);
        gw.cancelRegistry().unregister(cancelKey);
        gw.sessions().closed(this);
    }

    /** Closes with 57P01, used by graceful shutdown. */
    void terminate(PgError error) {
        context.runOnContext(v -> fail(error));
    }

    /** Like {@link #terminate}, but only if the session is still idle once on its event loop. */
    void terminateIfIdle(PgError error) {
        context.runOnContext(v -> {
            if (idle()) {
                fail(error);
            }
        });
    }

    /**
     * Nothing would be lost by ending the session now: it has not logged in yet, or it has no
     * statement in flight and no open transaction. Safe to call from any thread.
     */
    boolean idle() {
        Relay r = relay;
        return r == null || r.idle();
    }
}
