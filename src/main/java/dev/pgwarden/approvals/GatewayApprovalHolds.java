package dev.pgwarden.approvals;

import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import dev.pgwarden.config.GatewayConfig;
import dev.pgwarden.proxy.ApprovalHolds;
import dev.pgwarden.proxy.SessionInfo;
import dev.pgwarden.proxy.StatementGate.ApprovalNeed;
import dev.pgwarden.proxy.StatementGate.Approved;
import dev.pgwarden.proxy.StatementGate.Verdict;
import dev.pgwarden.wire.PgError;
import dev.pgwarden.wire.SqlState;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;

/**
 * The sessions of this replica that wait for an approval. A request is stored, the client told
 * its id at once (NoticeResponse), the channels asked; then the session stays held until the
 * request leaves PENDING, which this replica learns by NOTIFY (the decision may come in on any
 * replica), by its own expiry timer, or by the periodic re-check that covers a lost notification.
 */
@ApplicationScoped
public class GatewayApprovalHolds implements ApprovalHolds {
    private static final Logger LOG = Logger.getLogger(GatewayApprovalHolds.class);
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final char[] ID_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789".toCharArray();

    private record Waiting(String id, SessionInfo session, Verdict verdict, Context context,
            Promise<Verdict> result, Consumer<PgError> notice, long timer) {
    }

    @Inject
    ApprovalStore store;
    @Inject
    ApprovalAnnouncer announcer;
    @Inject
    GatewayConfig config;
    @Inject
    Vertx vertx;
    @Inject
    ApprovalMetrics metrics;

    private final Map<String, Waiting> waiting = new ConcurrentHashMap<>();
    private final Map<String, String> bySession = new ConcurrentHashMap<>();
    /** Sessions that closed while their request was being stored. */
    private final Set<String> closedWhileAsking = ConcurrentHashMap.newKeySet();
    private final Set<String> asking = ConcurrentHashMap.newKeySet();

    @Override
    public Future<Verdict> await(SessionInfo session, Verdict verdict, Consumer<PgError> notice) {
        Context context = Vertx.currentContext();
        ApprovalNeed need = verdict.needsApproval();
        Promise<Verdict> result = Promise.promise();
        asking.add(session.id());
        vertx.executeBlocking(() -> grantOrRequest(session, need), false).onComplete(r -> {
            asking.remove(session.id());
            if (r.failed()) {
                // Fail closed: without a stored request nobody could approve it.
                LOG.warnf("session %s: approval request could not be stored: %s", session.id(), r.cause().toString());
                result.complete(Verdict.refuse(PgError.error(SqlState.INSUFFICIENT_PRIVILEGE,
                        "this statement needs approval, but pgwarden could not record the request, so it was refused")
                        .withDetail(ruleDetail(need))));
                return;
            }
            ApprovalRequest request = r.result();
            if (request.status == ApprovalStatus.APPROVED) {
                notice.accept(PgError.notice("pgwarden: covered by approval " + request.id + " (granted by "
                        + request.decidedBy + " until " + request.grantUntil + ")"));
                result.complete(verdict.approve(new Approved(request.id, ceiling(request.estimatedRows))));
                return;
            }
            long delay = Math.max(1, Duration.between(Instant.now(), request.expiresAt).toMillis() + 50);
            long timer = vertx.setTimer(delay, t -> expire(request.id));
            metrics.requested();
            Waiting w = new Waiting(request.id, session, verdict, context, result, notice, timer);
            waiting.put(request.id, w);
            bySession.put(session.id(), request.id);
            notice.accept(ApprovalNotices.requested(request.id, need.rule(), request.expiresAt,
                    ApprovalLinks.page(config.approvals().publicUrl(), request.id)));
            if (closedWhileAsking.remove(session.id())) {
                sessionClosed(session);
                return;
            }
            announcer.announce(request);
        });
        return result.future();
    }

    /** A grant of the same statement still open, or a new PENDING request. Blocking. */
    private ApprovalRequest grantOrRequest(SessionInfo session, ApprovalNeed need) {
        Instant now = Instant.now();
        String subject = session.principal().subject();
        if (need.grantMinutes() > 0) {
            Optional<ApprovalRequest> grant = store.openGrant(subject, need.fingerprint(), now);
            if (grant.isPresent()) {
                return grant.get();
            }
        }
        ApprovalRequest r = new ApprovalRequest();
        r.id = newId();
        r.requesterSubject = subject;
        r.requesterGroups = String.join(",", new TreeSet<>(session.principal().groups()));
        r.clientAddress = session.clientAddress();
        r.sessionId = session.id();
        r.databaseName = config.upstream().database();
        r.statement = need.text();
        r.fingerprint = need.fingerprint();
        r.estimatedRows = need.estimatedRows() >= 0 ? need.estimatedRows() : null;
        r.rule = need.rule();
        r.policyVersion = need.policyVersion();
        r.grantMinutes = need.grantMinutes();
        r.createdAt = now;
        r.expiresAt = now.plus(config.approvals().timeout());
        return store.create(r);
    }

    /** The request changed in the store (NOTIFY, timer or re-check): resume or refuse its session. Any thread. */
    void changed(String id) {
        Waiting w = waiting.get(id);
        if (w == null) {
            return;
        }
        vertx.executeBlocking(() -> store.find(id), false).onComplete(r -> {
            if (r.failed()) {
                LOG.warnf("approval %s: could not read its status: %s", id, r.cause().toString());
                return; // the periodic re-check tries again
            }
            r.result().filter(req -> req.status.decided()).ifPresent(this::finish);
        });
    }

    private void finish(ApprovalRequest request) {
        Waiting w = waiting.remove(request.id);
        if (w == null) {
            return; // already finished (NOTIFY and timer both fired)
        }
        bySession.remove(w.session().id(), request.id);
        vertx.cancelTimer(w.timer());
        metrics.outcome(request.status);
        Verdict outcome = switch (request.status) {
            case APPROVED -> w.verdict().approve(new Approved(request.id, ceiling(request.estimatedRows)));
            case DENIED -> refusal(w.verdict(), PgError.error(SqlState.INSUFFICIENT_PRIVILEGE,
                    "approval " + request.id + " was denied by " + request.decidedBy
                            + (request.reason == null || request.reason.isBlank() ? "" : ": " + request.reason))
                    .withDetail(ruleDetail(w.verdict().needsApproval())));
            case EXPIRED -> refusal(w.verdict(), PgError.error(SqlState.QUERY_CANCELED,
                    "approval " + request.id + " expired: nobody approved it within " + human(config.approvals().timeout()))
                    .withDetail(ruleDetail(w.verdict().needsApproval())));
            default -> refusal(w.verdict(), PgError.error(SqlState.QUERY_CANCELED,
                    "approval " + request.id + " was cancelled"));
        };
        w.context().runOnContext(v -> {
            if (request.status == ApprovalStatus.APPROVED) {
                w.notice().accept(PgError.notice("pgwarden: approval " + request.id + " granted by "
                        + request.decidedBy + "; running the statement"));
            }
            w.result().complete(outcome);
        });
    }

    private void expire(String id) {
        vertx.executeBlocking(() -> store.expire(id, Instant.now()), false).onComplete(r -> {
            if (r.succeeded() && r.result()) {
                announcer.announceOutcome(id);
            }
            changed(id); // expired now, or decided just before: either way the session learns it
        });
    }

    @Override
    public void sessionClosed(SessionInfo session) {
        if (asking.contains(session.id())) {
            closedWhileAsking.add(session.id());
            return;
        }
        String id = bySession.remove(session.id());
        if (id == null) {
            return;
        }
        Waiting w = waiting.remove(id);
        if (w != null) {
            vertx.cancelTimer(w.timer());
            metrics.outcome(ApprovalStatus.CANCELLED);
        }
        vertx.executeBlocking(() -> store.cancel(id, "the client disconnected while waiting", Instant.now()), false)
                .onComplete(r -> {
                    if (r.succeeded() && r.result()) {
                        announcer.announceOutcome(id);
                    } else if (r.failed()) {
                        LOG.warnf("approval %s: could not record the cancellation: %s", id, r.cause().toString());
                    }
                });
    }

    @Override
    public void cancelled(SessionInfo session) {
        String id = bySession.get(session.id());
        if (id == null) {
            return; // not waiting: the cancel goes to PostgreSQL only
        }
        vertx.executeBlocking(() -> store.cancel(id, "the client cancelled the statement while it waited",
                Instant.now()), false).onComplete(r -> {
                    if (r.succeeded() && r.result()) {
                        announcer.announceOutcome(id);
                    } else if (r.failed()) {
                        LOG.warnf("approval %s: could not record the cancellation: %s", id, r.cause().toString());
                    }
                    changed(id); // cancelled now (or decided just before): the session learns which
                });
    }

    /** Ids this replica waits on (for the periodic re-check). */
    Set<String> waitingIds() {
        return Set.copyOf(waiting.keySet());
    }

    int waitingCount() {
        return waiting.size();
    }

    /** Rows an approved statement may return: its estimate times the configured factor (no estimate: no ceiling). */
    private long ceiling(Long estimatedRows) {
        if (estimatedRows == null) {
            return Long.MAX_VALUE;
        }
        double limit = Math.ceil(Math.max(1, estimatedRows) * config.approvals().ceilingFactor());
        return limit >= Long.MAX_VALUE ? Long.MAX_VALUE : (long) limit;
    }

    /** A refusal that still names the rule and policy version that asked for approval (for the audit trail). */
    private static Verdict refusal(Verdict held, PgError error) {
        return new Verdict(error, java.util.List.of(), java.util.List.of(), null, null, held.rule(),
                held.policyVersion());
    }

    private static String ruleDetail(ApprovalNeed need) {
        return "policy " + need.policyVersion() + ", rule " + need.rule()
                + (need.message() == null ? "" : ": " + need.message());
    }

    private static String human(Duration d) {
        return d.toString().substring(2).toLowerCase(Locale.ROOT);
    }

    static String newId() {
        StringBuilder sb = new StringBuilder("apr-");
        for (int i = 0; i < 10; i++) {
            sb.append(ID_ALPHABET[RANDOM.nextInt(ID_ALPHABET.length)]);
        }
        return sb.toString();
    }
}
