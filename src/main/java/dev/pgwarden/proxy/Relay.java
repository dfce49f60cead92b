package dev.pgwarden.proxy;

import dev.pgwarden.wire.FrontendMessages;
import java.util.function.Supplier;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.jboss.logging.Logger;

import dev.pgwarden.proxy.upstream.UpstreamSession;
import dev.pgwarden.wire.BackendMessages;
import dev.pgwarden.wire.MessageFramer;
import dev.pgwarden.wire.PgError;
import dev.pgwarden.wire.ProtocolException;
import dev.pgwarden.wire.SqlState;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetSocket;

/**
 * The ready state of a session: frames flow both ways through the inspectors, and whichever side
 * is ahead is paused until the other drains (so a million-row result never sits in memory).
 */
final class Relay {
    private static final Logger LOG = Logger.getLogger(Relay.class);

    private final NetSocket client;
    private final NetSocket upstream;
    private final RelayEndpoint clientEnd;
    private final RelayEndpoint upstreamEnd;
    private final MessageFramer clientFramer;
    private final MessageFramer upstreamFramer;
    private final ClientToUpstream clientToUpstream;
    private final UpstreamToClient upstreamToClient;
    private final Runnable onClosed;
    private final Context context;
    private final SessionInfo session;
    private final ApprovalHolds approvals;
    private final Sessions sessions;
    private boolean terminating;
    private boolean upstreamHeld;
    private boolean clientHeld;
    private boolean closed;
    private final SessionRecorder recorder;
    private String endReason = "client disconnected";
    private final Runnable cancelUpstream;
    private final TokenExpiry tokenExpiry;
    private TokenDeadline tokenDeadline;

    Relay(NetSocket client, MessageFramer clientFramer, UpstreamSession up, SessionInfo session,
            GatewayContext gw, Runnable onClosed) {
        this.client = client;
        this.upstream = up.socket();
        this.clientEnd = new RelayEndpoint(client);
        this.upstreamEnd = new RelayEndpoint(upstream);
        this.clientFramer = clientFramer;
        this.upstreamFramer = up.framer();
        this.onClosed = onClosed;
        this.context = Vertx.currentContext();
        RefusalTracker refusals = new RefusalTracker();
        Supplier<Future<Void>> cancel = () -> gw.connector().cancel(up.processId(), up.secretKey());
        Runnable cancelUpstream = cancel::get;
        ResultTracker results = gw.masking() == null ? null
                : new ResultTracker(gw.masking(), gw.catalog(), cancel, session.sqlPrepared());
        this.recorder = gw.recorders().open(session);
        this.upstreamToClient = new UpstreamToClient(new BatchWriter(clientEnd, upstreamEnd), refusals, results, upstreamFramer,
                this::holdUpstreamUntil, need -> gw.approvals().await(session, StatementGate.Verdict.needing(need),
                        this::notice),
                recorder, gw.sessions(), gw.catalog() == null ? () -> { } : gw.catalog()::suspectChange);
        this.clientToUpstream = new ClientToUpstream(new BatchWriter(upstreamEnd, clientEnd), refusals, gw.gate(), session,
                gw.allowFunctionCall(), this::clientTerminated, results, clientFramer, this::holdClientUntil,
                gw.lineage(), upstreamToClient, gw.sessions(), gw.approvals(), recorder);
        this.session = session;
        this.approvals = gw.approvals();
        this.sessions = gw.sessions();
        this.cancelUpstream = cancelUpstream;
        this.tokenExpiry = gw.tokenExpiry();
    }

    void start() {
        clientEnd.onChunk(this::fromClient);
        upstreamEnd.onChunk(this::fromUpstream);
        client.closeHandler(v -> close(null));
        upstream.closeHandler(v -> upstreamClosed());
        client.exceptionHandler(e -> {
            LOG.debugf("client connection error: %s", e.getMessage());
            close(null);
        });
        upstream.exceptionHandler(e -> {
            LOG.debugf("upstream connection error: %s", e.getMessage());
            upstreamClosed();
        });
        client.drainHandler(v -> {
            if (!upstreamHeld) {
                upstream.resume();
            }
        });
        upstream.drainHandler(v -> {
            if (!clientHeld) {
                client.resume();
            }
        });
        // Bytes that arrived with the end of the handshake on either side.
        upstreamFramer.resume(upstreamToClient);
        clientFramer.resume(clientToUpstream);
        client.resume();
        if (tokenExpiry.enabled() && session.principal().expiresAt() != null) {
            tokenDeadline = new TokenDeadline(context.owner(), session.principal().expiresAt(), tokenExpiry.grace(),
                    this::endIfTokenExpired, this::tokenExpiryGraceOver);
        }
    }

    /**
     * Ends the session once its token has expired and no statement is in flight (an open
     * transaction does not wait: PostgreSQL rolls it back when the upstream connection closes).
     */
    private void endIfTokenExpired() {
        if (tokenDeadline != null && tokenDeadline.due() && !upstreamHeld && !upstreamToClient.statementInFlight()) {
            close(TokenExpiry.EXPIRED, TokenExpiry.END_REASON);
        }
    }

    /** The statement in flight at expiry had its grace: it is cancelled, and the session ends. */
    private void tokenExpiryGraceOver() {
        if (!closed) {
            cancelUpstream.run(); // PostgreSQL reads the Terminate only once the statement is over
            close(TokenExpiry.EXPIRED, TokenExpiry.END_REASON);
        }
    }

    private void fromClient(Buffer chunk) {
        if (closed || terminating) {
            return;
        }
        sessions.fromClient(chunk.length());
        if (clientHeld) {
            clientFramer.append(chunk);
            return;
        }
        try {
            clientFramer.feed(chunk, clientToUpstream);
        } catch (RuntimeException e) {
            clientFailed(e);
            return;
        }
        if (upstream.writeQueueFull()) {
            client.pause();
        }
    }

    private void fromUpstream(Buffer chunk) {
        if (closed) {
            return;
        }
        sessions.toClient(chunk.length());
        if (upstreamHeld) {
            upstreamFramer.append(chunk);
            return;
        }
        try {
            upstreamFramer.feed(chunk, upstreamToClient);
        } catch (RuntimeException e) {
            upstreamFailed(e);
            return;
        }
        if (client.writeQueueFull()) {
            upstream.pause();
        }
        endIfTokenExpired(); // at the ReadyForQuery of the statement that was in flight
    }

    /**
     * Reading the client's bytes failed: a malformed message (the framer's layout check) ends the
     * session with its SQLSTATE (08P01). Any other exception is a reader trusting a field it should
     * not have: logged as the bug it is, and it still ends only this session, never the event loop.
     */
    private void clientFailed(RuntimeException e) {
        if (!(e instanceof ProtocolException pe)) {
            LOG.errorf(e, "session %s: unchecked failure reading a client message", session.id());
            close(PgError.fatal(SqlState.PROTOCOL_VIOLATION, "malformed protocol message"));
            return;
        }
        close(PgError.fatal(pe.sqlState(), pe.getMessage()));
    }

    /**
     * Reading PostgreSQL's bytes failed: a malformed message from upstream (08P01, named in the
     * message) or a result that cannot be masked safely; either way nothing unchecked reaches the
     * client and the session ends. Other exceptions are bugs, logged as such (08006 to the client).
     */
    private void upstreamFailed(RuntimeException e) {
        if (e instanceof ProtocolException pe) {
            LOG.warnf("session %s: result stream stopped: %s", session.id(), pe.getMessage());
            close(PgError.fatal(pe.sqlState(), "pgwarden stopped this session: " + pe.getMessage()));
        } else {
            LOG.errorf(e, "session %s: unchecked failure reading the upstream's messages", session.id());
            close(PgError.fatal(SqlState.CONNECTION_FAILURE, "pgwarden stopped this session: internal error"));
        }
    }

    /** Client messages wait (client paused, bytes buffered) until the gate's verdict is in. */
    private void holdClientUntil(Future<?> ready) {
        clientHeld = true;
        client.pause();
        // Never continue inside onComplete: a future that completed meanwhile calls back at once,
        // while the framer is still inside the scan that asked for the hold.
        ready.onComplete(r -> context.runOnContext(v -> {
            if (closed) {
                return;
            }
            clientHeld = false;
            try {
                // Buffered bytes first: resume() may deliver newer chunks right away.
                clientFramer.resume(clientToUpstream);
            } catch (RuntimeException e) {
                clientFailed(e);
                return;
            }
            if (!clientHeld) {
                client.resume();
            }
        }));
    }

    /** Server messages wait (upstream paused, bytes buffered) until {@code ready} completes. */
    private void holdUpstreamUntil(Future<Void> ready) {
        upstreamHeld = true;
        upstream.pause();
        ready.onComplete(r -> context.runOnContext(v -> {
            if (closed) {
                return;
            }
            if (r.failed()) {
                close(r.cause() instanceof ProtocolException pe ? PgError.fatal(pe.sqlState(), pe.getMessage())
                        : PgError.fatal(SqlState.INTERNAL_ERROR,
                                "pgwarden could not read the catalog it needs to mask this result; the result was withheld"));
                return;
            }
            upstreamHeld = false;
            try {
                upstreamFramer.resume(upstreamToClient);
            } catch (RuntimeException e) {
                upstreamFailed(e);
                return;
            }
            if (!upstreamHeld) {
                upstream.resume();
            }
            endIfTokenExpired();
        }));
    }

    private void clientTerminated() {
        terminating = true;
        endReason = "client terminated";
        upstream.end();
        client.close();
    }

    private void upstreamClosed() {
        if (closed) {
            return;
        }
        endReason = upstreamToClient.fatalSeen() && !terminating ? "upstream ended the session" : endReason;
        if (terminating || upstreamToClient.fatalSeen()) {
            close(null);
        } else {
            close(PgError.fatal(SqlState.CONNECTION_FAILURE, "the upstream database closed the connection"));
        }
    }

    /** Closes both sides; {@code error}, when given, is the client's last message. */
    void close(PgError error) {
        close(error, error == null ? null : error.sqlState() + " " + error.message());
    }

    /** As {@link #close(PgError)}, with the end reason the audit trail records (null: as things stand). */
    private void close(PgError error, String reason) {
        if (closed) {
            return;
        }
        closed = true;
        if (tokenDeadline != null) {
            tokenDeadline.cancel();
        }
        if (reason != null) {
            endReason = reason;
        }
        if (error != null) {
            client.end(BackendMessages.error(error));
        } else {
            client.close();
        }
        if (!terminating) {
            upstream.end(FrontendMessages.terminate());
        }
        approvals.sessionClosed(session);
        recorder.ended(endReason);
        onClosed.run();
    }

    private void notice(PgError notice) {
        upstreamToClient.notice(notice);
    }

    /** No statement in flight and no open transaction (any thread; see {@link UpstreamToClient#idle()}). */
    boolean idle() {
        return upstreamToClient.idle();
    }
}
