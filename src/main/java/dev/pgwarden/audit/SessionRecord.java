package dev.pgwarden.audit;

import java.util.List;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.pgwarden.proxy.SessionInfo;

/** One session of the trail: who, from where, when; its chain state belongs to the writer thread. */
final class SessionRecord {
    private static final ObjectMapper JSON = new ObjectMapper();

    final String id;
    final String subject;
    /** JSON array, sorted: the same groups always hash alike. */
    final String groups;
    final String role;
    final String clientAddress;
    /** As the client asked at login; the end record keeps the name the server last reported. */
    final String applicationName;
    final boolean tls;
    final long startedAt;
    /** The gateway replica that served the session (not hashed: bookkeeping for closing it after a crash). */
    final String replicaId;

    // Writer thread only: the session's chain so far.
    String startHash;
    String lastHash;

    SessionRecord(SessionInfo info, String replicaId) {
        this.replicaId = replicaId;
        this.id = info.id();
        this.subject = info.principal().subject();
        this.groups = json(info.principal().groups().stream().sorted().toList());
        this.role = info.role();
        this.clientAddress = info.clientAddress();
        this.applicationName = info.applicationName();
        this.tls = info.tls();
        this.startedAt = Micros.of(info.startedAt());
    }

    private static String json(List<String> groups) {
        try {
            return JSON.writeValueAsString(groups);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The start of the session's chain (computed once, so a retried batch hashes alike). */
    String startHash() {
        if (startHash == null) {
            startHash = AuditHash.sessionStart(id, subject, groups, role, clientAddress, tls, startedAt);
            lastHash = startHash;
        }
        return startHash;
    }

    /** The session's first record: its start. */
    static final class Started extends AuditEvent {
        final SessionRecord session;

        Started(SessionRecord session) {
            super(null);
            this.session = session;
        }

        @Override
        long bytes() {
            return 256;
        }
    }

    /** The session's last record: its end and totals; its hash goes into the global chain. */
    static final class Ended extends AuditEvent {
        final SessionRecord session;
        final long endedAt;
        final String reason;
        final int statements;
        final long rows;
        final long bytesSent;
        final String applicationName;
        String finalHash;

        Ended(SessionRecord session, long endedAt, String reason, int statements, long rows, long bytesSent,
                String applicationName) {
            super(null);
            this.applicationName = applicationName;
            this.session = session;
            this.endedAt = endedAt;
            this.reason = reason;
            this.statements = statements;
            this.rows = rows;
            this.bytesSent = bytesSent;
        }

        String finalHash() {
            if (finalHash == null) {
                finalHash = AuditHash.sessionEnd(session.lastHash, endedAt, reason, statements, rows, bytesSent,
                        applicationName);
            }
            return finalHash;
        }

        @Override
        long bytes() {
            return 128;
        }
    }
}
