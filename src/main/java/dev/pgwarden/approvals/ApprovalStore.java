package dev.pgwarden.approvals;

import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

import io.quarkus.panache.common.Sort;

/**
 * The approvals table. A status leaves PENDING exactly once, by a conditional UPDATE, so two
 * replicas (or two clicks) racing on one request cannot both decide it; the winning transaction
 * also sends {@code NOTIFY pgwarden_approvals, '<id>'} so whichever replica holds the session
 * resumes it.
 */
@ApplicationScoped
public class ApprovalStore {
    public static final String CHANNEL = "pgwarden_approvals";

    @Transactional
    public ApprovalRequest create(ApprovalRequest request) {
        request.status = ApprovalStatus.PENDING;
        request.persist();
        return request;
    }

    @Transactional
    public Optional<ApprovalRequest> find(String id) {
        return ApprovalRequest.findByIdOptional(id);
    }

    @Transactional
    public List<ApprovalRequest> list(Optional<ApprovalStatus> status, int limit) {
        Sort newestFirst = Sort.descending("createdAt");
        var query = status.isPresent() ? ApprovalRequest.find("status", newestFirst, status.get())
                : ApprovalRequest.findAll(newestFirst);
        return query.page(0, limit).list();
    }

    /** The ids among {@code ids} that are no longer pending. */
    @Transactional
    public List<String> decidedAmong(Collection<String> ids) {
        if (ids.isEmpty()) {
            return List.of();
        }
        return ApprovalRequest.<ApprovalRequest>list("id in ?1 and status <> ?2", ids, ApprovalStatus.PENDING)
                .stream().map(r -> r.id).toList();
    }

    /** An approval of the same statement for the same person whose grant window is still open. */
    @Transactional
    public Optional<ApprovalRequest> openGrant(String subject, String fingerprint, Instant now) {
        return ApprovalRequest.find("status = ?1 and requesterSubject = ?2 and fingerprint = ?3 and grantUntil > ?4",
                Sort.descending("grantUntil"), ApprovalStatus.APPROVED, subject, fingerprint, now)
                .firstResultOptional();
    }

    /**
     * PENDING → APPROVED or DENIED, unless someone decided first or the request has expired.
     *
     * @return whether this call made the decision
     */
    @Transactional
    public boolean decide(String id, boolean approve, String decidedBy, String reason, Instant now) {
        ApprovalRequest r = ApprovalRequest.findById(id);
        if (r == null) {
            return false;
        }
        Instant grantUntil = approve && r.grantMinutes > 0 ? now.plus(Duration.ofMinutes(r.grantMinutes)) : null;
        int n = ApprovalRequest.update("status = ?1, decidedBy = ?2, decidedAt = ?3, reason = ?4, grantUntil = ?5 "
                + "where id = ?6 and status = ?7 and expiresAt > ?3",
                approve ? ApprovalStatus.APPROVED : ApprovalStatus.DENIED, decidedBy, now, reason, grantUntil, id,
                ApprovalStatus.PENDING);
        return announced(n, id);
    }

    /** PENDING → EXPIRED once its time is up; whether this call expired it. */
    @Transactional
    public boolean expire(String id, Instant now) {
        int n = ApprovalRequest.update("status = ?1, decidedAt = ?2, reason = ?3 where id = ?4 and status = ?5 "
                + "and expiresAt <= ?2", ApprovalStatus.EXPIRED, now, "nobody decided in time", id,
                ApprovalStatus.PENDING);
        return announced(n, id);
    }

    /** PENDING → CANCELLED (the waiting client went away); whether this call cancelled it. */
    @Transactional
    public boolean cancel(String id, String reason, Instant now) {
        int n = ApprovalRequest.update("status = ?1, decidedAt = ?2, reason = ?3 where id = ?4 and status = ?5",
                ApprovalStatus.CANCELLED, now, reason, id, ApprovalStatus.PENDING);
        return announced(n, id);
    }

    /** Every pending request past its expiry (whoever held it may be gone). */
    @Transactional
    public List<String> overdue(Instant now) {
        return ApprovalRequest.<ApprovalRequest>list("status = ?1 and expiresAt <= ?2", ApprovalStatus.PENDING, now)
                .stream().map(r -> r.id).toList();
    }

    /** Appends one {@code channel=reference} line (channels post independently, each when it can). */
    @Transactional
    public void addChannelRef(String id, String ref) {
        ApprovalRequest.update("channelRefs = case when channelRefs is null or channelRefs = '' then ?1"
                + " else concat(channelRefs, ?2) end where id = ?3", ref, "\n" + ref, id);
    }

    private static boolean announced(int updated, String id) {
        if (updated != 1) {
            return false;
        }
        // Delivered at commit, to every replica listening (including this one).
        ApprovalRequest.getEntityManager().createNativeQuery("SELECT pg_notify('" + CHANNEL + "', ?1)")
                .setParameter(1, id).getSingleResult();
        return true;
    }
}
