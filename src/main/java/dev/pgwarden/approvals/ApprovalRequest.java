package dev.pgwarden.approvals;

import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalLong;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;

/** A held statement waiting for (or decided by) an approver. Status changes only through {@link ApprovalStore}. */
@Entity
@Table(name = "approval_request")
public class ApprovalRequest extends PanacheEntityBase {
    @Id
    public String id;
    @Column(name = "requester_subject", nullable = false)
    public String requesterSubject;
    /** Comma-separated, sorted. */
    @Column(name = "requester_groups", nullable = false)
    public String requesterGroups;
    @Column(name = "client_address")
    public String clientAddress;
    @Column(name = "session_id", nullable = false)
    public String sessionId;
    @Column(name = "database_name", nullable = false)
    public String databaseName;
    @Column(nullable = false)
    public String statement;
    @Column(nullable = false)
    public String fingerprint;
    @Column(name = "estimated_rows")
    public Long estimatedRows;
    public String rule;
    @Column(name = "policy_version")
    public String policyVersion;
    @Enumerated(EnumType.STRING)
    @Column(nullable = false)
    public ApprovalStatus status;
    @Column(name = "decided_by")
    public String decidedBy;
    @Column(name = "decided_at")
    public Instant decidedAt;
    public String reason;
    @Column(name = "created_at", nullable = false)
    public Instant createdAt;
    @Column(name = "expires_at", nullable = false)
    public Instant expiresAt;
    /** The rule's grant window: an approval also covers this person's same statement for so long. */
    @Column(name = "grant_minutes", nullable = false)
    public int grantMinutes;
    /** For an approval with a grant window: until when the same statement by the same person runs without asking. */
    @Column(name = "grant_until")
    public Instant grantUntil;
    /** Where the request was announced (channel name = reference), newline-separated, for updating the cards. */
    @Column(name = "channel_refs")
    public String channelRefs;

    public List<String> groups() {
        return requesterGroups.isEmpty() ? List.of() : Arrays.asList(requesterGroups.split(","));
    }

    public OptionalLong estimate() {
        return estimatedRows == null ? OptionalLong.empty() : OptionalLong.of(estimatedRows);
    }

    public ApprovalOutcome outcome() {
        return new ApprovalOutcome(status, decidedBy, reason, decidedAt);
    }
}
