package dev.pgwarden.approvals.slack;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Alternative;

import dev.pgwarden.approvals.ApprovalDecider;
import dev.pgwarden.approvals.ApprovalStatus;
import dev.pgwarden.approvals.Approver;

/**
 * Stands in for the gateway's decider while testing the Slack boundary: remembers every call and
 * keeps the decider's contract (first decision wins, requesters cannot decide their own request,
 * unknown ids are not found). Enabled only by {@link SlackProfile} (no {@code @Priority}).
 */
@Alternative
@ApplicationScoped
public class RecordingApprovalDecider implements ApprovalDecider {
    public record Call(String approvalId, Approver approver, boolean approve, String reason) {
    }

    private final List<Call> calls = new ArrayList<>();
    private final Map<String, ApprovalStatus> statuses = new HashMap<>();
    private final Map<String, String> requesters = new HashMap<>();

    /** A pending request by {@code requester} (an identity as the decider would know it). */
    public synchronized void open(String approvalId, String requester) {
        statuses.put(approvalId, ApprovalStatus.PENDING);
        requesters.put(approvalId, requester);
    }

    public synchronized List<Call> calls() {
        return List.copyOf(calls);
    }

    public synchronized void reset() {
        calls.clear();
        statuses.clear();
        requesters.clear();
    }

    @Override
    public synchronized Outcome decide(String approvalId, Approver approver, boolean approve, String reason) {
        calls.add(new Call(approvalId, approver, approve, reason));
        ApprovalStatus status = statuses.get(approvalId);
        if (status == null) {
            return new Outcome(Result.NOT_FOUND, null, "Request " + approvalId + " does not exist.");
        }
        if (approver.identities().contains(requesters.get(approvalId))) {
            return new Outcome(Result.SELF_APPROVAL, status, "You cannot approve your own request.");
        }
        if (status.decided()) {
            return new Outcome(Result.ALREADY_DECIDED, status,
                    "Request " + approvalId + " was already " + status.name().toLowerCase() + "; nothing changed.");
        }
        ApprovalStatus decided = approve ? ApprovalStatus.APPROVED : ApprovalStatus.DENIED;
        statuses.put(approvalId, decided);
        return new Outcome(Result.DECIDED, decided,
                (approve ? "Approved" : "Denied") + " request " + approvalId + ". Thank you, " + approver.displayName() + ".");
    }
}
