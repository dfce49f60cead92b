package dev.pgwarden.approvals;

import java.time.Instant;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

/**
 * Decisions from any channel (console, REST, Slack), on any replica. The approver has been
 * authenticated and checked against their channel's approver list already; here a request is
 * decided at most once, and never by the person who asked.
 */
@ApplicationScoped
public class ApprovalDecisions implements ApprovalDecider {
    private static final Logger LOG = Logger.getLogger(ApprovalDecisions.class);

    @Inject
    ApprovalStore store;
    @Inject
    ApprovalAnnouncer announcer;

    @Override
    public Outcome decide(String approvalId, Approver approver, boolean approve, String reason) {
        Optional<ApprovalRequest> found = store.find(approvalId);
        if (found.isEmpty()) {
            return new Outcome(Result.NOT_FOUND, null, "there is no approval request " + approvalId);
        }
        ApprovalRequest request = found.get();
        if (request.status.decided()) {
            return already(request);
        }
        if (approver.identities().contains(request.requesterSubject)) {
            LOG.infof("approval %s: %s tried to decide their own request", approvalId, approver.displayName());
            return new Outcome(Result.SELF_APPROVAL, request.status,
                    "you asked for approval " + approvalId + " yourself, so someone else has to decide it");
        }
        Instant now = Instant.now();
        String cleanReason = reason == null || reason.isBlank() ? null : reason.strip();
        if (!store.decide(approvalId, approve, approver.displayName(), cleanReason, now)) {
            // Someone was quicker, or its time ran out: expire it now if that is why.
            if (store.expire(approvalId, now)) {
                announcer.announceOutcome(approvalId);
            }
            return already(store.find(approvalId).orElse(request));
        }
        LOG.infof("approval %s %s by %s", approvalId, approve ? "approved" : "denied", approver.displayName());
        announcer.announceOutcome(approvalId);
        return new Outcome(Result.DECIDED, approve ? ApprovalStatus.APPROVED : ApprovalStatus.DENIED,
                "approval " + approvalId + (approve ? " approved" : " denied") + "; the waiting session has been told");
    }

    private static Outcome already(ApprovalRequest r) {
        String how = switch (r.status) {
            case APPROVED -> "was already approved by " + r.decidedBy;
            case DENIED -> "was already denied by " + r.decidedBy;
            case EXPIRED -> "expired before anyone decided";
            case CANCELLED -> "was cancelled: " + r.reason;
            default -> "is still pending";
        };
        return new Outcome(Result.ALREADY_DECIDED, r.status, "approval " + r.id + " " + how + "; nothing changed");
    }
}
