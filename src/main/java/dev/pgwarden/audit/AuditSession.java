package dev.pgwarden.audit;

import java.time.Instant;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;

/** A recorded session, as read back for the API and exports (the writer inserts with plain JDBC). */
@Entity
@Table(name = "audit_session")
public class AuditSession extends PanacheEntityBase {
    @Id
    public String id;
    public String subject;
    /** JSON array. */
    public String groups;
    public String role;
    @Column(name = "client_address")
    public String clientAddress;
    @Column(name = "application_name")
    public String applicationName;
    public boolean tls;
    @Column(name = "started_at")
    public Instant startedAt;
    @Column(name = "start_hash")
    public String startHash;
    @Column(name = "ended_at")
    public Instant endedAt;
    @Column(name = "end_reason")
    public String endReason;
    @Column(name = "statement_count")
    public Integer statementCount;
    @Column(name = "row_count")
    public Long rowCount;
    @Column(name = "byte_count")
    public Long byteCount;
    @Column(name = "final_hash")
    public String finalHash;
}
