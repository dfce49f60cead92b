package dev.pgwarden.approvals;

/** Records a decision on a pending request, exactly once, whichever replica or channel it comes from. */
public interface ApprovalDecider {

    enum Result {
        /** This call decided the request (the held session is resumed or refused). */
        DECIDED,
        /** Someone decided before, or it expired or was cancelled: nothing changed. */
        ALREADY_DECIDED,
        NOT_FOUND,
        /** The approver is the requester: nothing changed. */
        SELF_APPROVAL
    }

    /**
     * @param status the request's status after the call (the new one, or the earlier decision's)
     * @param message a sentence for the person who clicked
     */
    record Outcome(Result result, ApprovalStatus status, String message) {
    }

    Outcome decide(String approvalId, Approver approver, boolean approve, String reason);
}
