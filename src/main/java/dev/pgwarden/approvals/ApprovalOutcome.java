package dev.pgwarden.approvals;

import java.time.Instant;

/**
 * How a request ended, for updating the cards that announced it.
 *
 * @param status    APPROVED, DENIED, EXPIRED or CANCELLED
 * @param decidedBy who decided (null for EXPIRED/CANCELLED)
 * @param reason    the reason given, if any
 */
public record ApprovalOutcome(ApprovalStatus status, String decidedBy, String reason, Instant decidedAt) {
}
