package dev.pgwarden.mcp;

import java.util.List;
import java.util.Objects;
import java.util.Set;

import dev.pgwarden.approvals.ApprovalNotices;
import dev.pgwarden.loopback.LoopbackLogin;
import dev.pgwarden.loopback.LoopbackSession;
import dev.pgwarden.loopback.StatementOutcome;
import dev.pgwarden.wire.PgError;
import dev.pgwarden.wire.SqlState;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;

/**
 * One MCP session (one {@code Mcp-Session-Id}) and the one session on the gateway's listener it
 * runs its statements in, opened on first use with the caller's token. A statement the gateway
 * holds for approval keeps that listener session waiting, exactly as it keeps psql waiting; the
 * tool call answers with the approval id meanwhile, and the result is picked up later
 * ({@code approval_status}, or the same statement again). While one is held, other statements are
 * refused rather than queued behind it. All state lives on one event loop.
 */
final class McpSession {
    /** A statement and its bound parameters. */
    record Statement(String sql, List<String> parameters) {
    }

    /** A statement the gateway holds until a person decides; {@code outcome} completes then. */
    record Held(String approvalId, String rule, Statement statement, Future<StatementOutcome> outcome) {
    }

    /** What a tool call gets back. */
    sealed interface Reply {
    }

    /** The statement ran (or failed); {@code approvalId} when it had waited for an approval. */
    record Done(StatementOutcome outcome, String approvalId) implements Reply {
    }

    /** Still waiting for a decision after the wait allowed to one call. */
    record Pending(Held held) implements Reply {
    }

    /** Another statement of this session is held: nothing else runs until its result is picked up. */
    record Busy(Held held) implements Reply {
    }

    /** Told when a statement is held and, while a call waits for the decision, every few seconds. */
    interface ApprovalWatcher {
        void held(Held held);

        void waiting(Held held, long waitedMillis);
    }

    /** How often a waiting call says it is still waiting. */
    static final long PROGRESS_EVERY_MILLIS = 5_000;

    private final String id;
    private final String subject;
    private final Set<String> groups;
    private final String applicationName;
    private final Context context;
    private final LoopbackLogin login;
    private final Limits limits;
    private LoopbackSession wire;
    private Future<LoopbackSession> opening;
    private Held held;
    private boolean closed;

    /** How much of a result a tool returns and how long a call waits for a decision. */
    record Limits(int rows, long bytes, long approvalWaitMillis) {
    }

    McpSession(String id, String subject, Set<String> groups, String applicationName, Context context,
            LoopbackLogin login, Limits limits) {
        this.id = id;
        this.subject = subject;
        this.groups = Set.copyOf(groups);
        this.applicationName = applicationName;
        this.context = context;
        this.login = login;
        this.limits = limits;
    }

    String id() {
        return id;
    }

    String subject() {
        return subject;
    }

    Set<String> groups() {
        return groups;
    }

    /** Runs a statement, or picks up the result of the same statement held earlier. */
    Future<Reply> execute(Statement statement, String token, ApprovalWatcher watcher) {
        Promise<Reply> reply = Promise.promise();
        context.runOnContext(v -> {
            if (closed) {
                reply.complete(ended());
                return;
            }
            if (held != null) {
                if (held.statement().equals(statement)) {
                    waitForDecision(held, watcher).onComplete(reply);
                    return;
                }
                if (!held.outcome().isComplete()) {
                    reply.complete(new Busy(held));
                    return;
                }
                held = null; // decided, but nobody came back for it: it is in the audit trail
            }
            wire(token).onComplete(w -> {
                if (w.failed()) {
                    PgError e = w.cause() instanceof LoopbackLogin.LoginFailure lf ? lf.error()
                            : PgError.fatal(SqlState.CONNECTION_FAILURE, "the gateway's listener is not reachable");
                    reply.complete(new Done(new StatementOutcome(List.of(), List.of(), false, null, e, List.of()), null));
                    return;
                }
                run(w.result(), statement, watcher, reply);
            });
        });
        return reply.future();
    }

    private void run(LoopbackSession session, Statement statement, ApprovalWatcher watcher, Promise<Reply> reply) {
        Promise<Held> heldSignal = Promise.promise();
        Promise<StatementOutcome> outcomeRef = Promise.promise();
        Future<StatementOutcome> outcome = session.run(statement.sql(), statement.parameters(), limits.rows(),
                limits.bytes(), notice -> ApprovalNotices.parseRequested(notice).ifPresent(r -> heldSignal
                        .tryComplete(new Held(r.id(), r.rule(), statement, outcomeRef.future()))));
        outcome.onComplete(outcomeRef);
        heldSignal.future().onSuccess(h -> {
            held = h;
            watcher.held(h);
            waitForDecision(h, watcher).onComplete(reply);
        });
        outcome.onSuccess(o -> {
            if (heldSignal.tryFail("not held")) {
                reply.complete(new Done(o, null));
            }
        });
    }

    /** Waits up to the configured time for the held statement's outcome, telling the watcher meanwhile. */
    private Future<Reply> waitForDecision(Held h, ApprovalWatcher watcher) {
        if (h.outcome().isComplete()) {
            return Future.succeededFuture(deliver(h));
        }
        Promise<Reply> reply = Promise.promise();
        long started = System.nanoTime();
        var vertx = context.owner();
        long timer = vertx.setTimer(Math.max(1, limits.approvalWaitMillis()), t -> reply.tryComplete(new Pending(h)));
        long ticker = vertx.setPeriodic(PROGRESS_EVERY_MILLIS,
                t -> watcher.waiting(h, (System.nanoTime() - started) / 1_000_000));
        reply.future().onComplete(r -> {
            vertx.cancelTimer(timer);
            vertx.cancelTimer(ticker);
        });
        h.outcome().onComplete(o -> context.runOnContext(v -> {
            if (!reply.future().isComplete()) {
                reply.complete(deliver(h));
            }
        }));
        return reply.future();
    }

    private Reply deliver(Held h) {
        if (held == h) {
            held = null;
        }
        return new Done(h.outcome().result(), h.approvalId());
    }

    /**
     * The held statement's result once decided, waiting as for the statement itself.
     *
     * @return null when this session holds no statement under that id (never held here, or its result
     *         was already returned)
     */
    Future<Reply> awaitApproval(String approvalId, ApprovalWatcher watcher) {
        Promise<Reply> reply = Promise.promise();
        context.runOnContext(v -> {
            if (held == null || !held.approvalId().equals(approvalId)) {
                reply.complete(null);
                return;
            }
            waitForDecision(held, watcher).onComplete(reply);
        });
        return reply.future();
    }

    private Future<LoopbackSession> wire(String token) {
        if (wire != null) {
            return Future.succeededFuture(wire);
        }
        if (opening == null) {
            opening = login.login(subject, token, applicationName).onComplete(r -> {
                opening = null;
                if (r.succeeded()) {
                    LoopbackSession s = r.result();
                    if (closed) {
                        s.close();
                        return;
                    }
                    wire = s;
                    s.onClose(() -> context.runOnContext(v -> {
                        if (wire == s) {
                            wire = null; // the next statement logs in again
                        }
                    }));
                }
            });
        }
        return opening;
    }

    /** Ends the listener session; a statement still held is abandoned (its request becomes CANCELLED). */
    void close() {
        context.runOnContext(v -> {
            closed = true;
            if (wire != null) {
                wire.close();
                wire = null;
            }
        });
    }

    private static Done ended() {
        return new Done(new StatementOutcome(List.of(), List.of(), false, null,
                PgError.fatal(SqlState.CONNECTION_FAILURE, "this MCP session has ended"), List.of()), null);
    }

    @Override
    public String toString() {
        return "MCP session " + id + " of " + subject + " (" + Objects.toString(applicationName) + ")";
    }
}
