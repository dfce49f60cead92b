package dev.pgwarden.api;

import java.time.Instant;
import java.util.List;

import com.fasterxml.jackson.annotation.JsonRawValue;

import dev.pgwarden.audit.AuditSession;
import dev.pgwarden.audit.AuditStatement;

/** The JSON shapes of the audit API (documented in docs/audit.md, read by the console). */
public final class AuditViews {
    private AuditViews() {
    }

    /** {@code groups} and the raw-JSON fields are stored as JSON text and written through unchanged. */
    public record SessionView(String id, String subject, @JsonRawValue String groups, String role,
            String clientAddress, String applicationName, boolean tls, Instant startedAt, Instant endedAt,
            String endReason, Integer statements, Long rows, Long bytes, String startHash, String finalHash) {

        public static SessionView of(AuditSession s) {
            return new SessionView(s.id, s.subject, s.groups, s.role, s.clientAddress, s.applicationName, s.tls,
                    s.startedAt, s.endedAt, s.endReason, s.statementCount, s.rowCount, s.byteCount, s.startHash,
                    s.finalHash);
        }
    }

    public record StatementView(int seq, String text, @JsonRawValue String parameters, String decision, String rule,
            String policyVersion, String approvalId, Instant startedAt, Instant finishedAt, Long rows,
            String sqlState, String message, long bytes, String hash, @JsonRawValue String result) {

        public static StatementView of(AuditStatement s) {
            return new StatementView(s.seq, s.text, s.parameters, s.decision, s.rule, s.policyVersion, s.approvalId,
                    s.startedAt, s.finishedAt, s.rowCount, s.sqlState, s.message, s.byteCount, s.hash, s.result);
        }
    }

    /** A session's timeline: its statements in order and the approval requests it made. */
    public record SessionDetail(SessionView session, List<StatementView> statements,
            List<ApprovalsResource.ApprovalView> approvals) {
    }
}
