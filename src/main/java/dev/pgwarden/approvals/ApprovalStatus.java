package dev.pgwarden.approvals;

/** The life of an approval request; only PENDING ever changes, and only once. */
public enum ApprovalStatus {
    PENDING, APPROVED, DENIED, EXPIRED, CANCELLED;

    public boolean decided() {
        return this != PENDING;
    }
}
