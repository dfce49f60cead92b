package dev.pgwarden.audit;

import java.io.Serializable;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.IdClass;
import jakarta.persistence.Table;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;

/** A recorded statement with its captured result, as read back for the API and exports. */
@Entity
@Table(name = "audit_statement")
@IdClass(AuditStatement.Key.class)
public class AuditStatement extends PanacheEntityBase {
    @Id
    @Column(name = "session_id")
    public String sessionId;
    @Id
    public int seq;
    public String text;
    /** JSON array, content detectors applied. */
    public String parameters;
    public String decision;
    public String rule;
    @Column(name = "policy_version")
    public String policyVersion;
    @Column(name = "approval_id")
    public String approvalId;
    @Column(name = "started_at")
    public Instant startedAt;
    @Column(name = "finished_at")
    public Instant finishedAt;
    @Column(name = "row_count")
    public Long rowCount;
    @Column(name = "sql_state")
    public String sqlState;
    public String message;
    @Column(name = "byte_count")
    public long byteCount;
    /** JSON: columns, rows, truncated, totalRows. */
    public String result;
    public String hash;

    /** The statements of a session in order, from {@code fromSeq} on, at most {@code limit}. */
    public static List<AuditStatement> ofSession(String sessionId, int fromSeq, int limit) {
        return find("sessionId = ?1 and seq >= ?2 order by seq", sessionId, fromSeq).page(0, limit).list();
    }

    public static class Key implements Serializable {
        public String sessionId;
        public int seq;

        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && k.seq == seq && Objects.equals(k.sessionId, sessionId);
        }

        @Override
        public int hashCode() {
            return Objects.hash(sessionId, seq);
        }
    }
}
