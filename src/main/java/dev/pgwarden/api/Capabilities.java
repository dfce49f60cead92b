package dev.pgwarden.api;

/**
 * What a caller may do in the console and the API behind it, decided by their groups: view the
 * policy (admin groups), read the audit trail (auditor groups), read the approval queue (approver or
 * admin groups) and decide on requests (approver groups).
 */
public record Capabilities(boolean viewPolicy, boolean audit, boolean readApprovals, boolean approve) {

    /** Whether the console has anything to show this caller at all. */
    public boolean useConsole() {
        return viewPolicy || audit || readApprovals || approve;
    }
}
