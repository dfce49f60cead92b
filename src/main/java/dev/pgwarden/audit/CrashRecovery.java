package dev.pgwarden.audit;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * Closes, at start, the sessions this replica left open when its process died (kill -9, a crash, the
 * store down at shutdown): each gets an end record with reason {@value #END_REASON} chained after
 * its last stored statement, and a link in the global chain, exactly like a session that ended. Its
 * totals are what its stored statements add up to. Only sessions recorded under this replica's id
 * are touched: other replicas sharing the store may be serving theirs right now.
 *
 * <p>Run before the listener accepts anyone, under the replica's lease ({@link ReplicaLease}), so no
 * session of this process can be mistaken for one of its predecessor's.
 */
final class CrashRecovery {
    static final String END_REASON = "gateway crashed";

    private record Open(String id, String startHash, String applicationName) {
    }

    private CrashRecovery() {
    }

    /** @return how many sessions were closed */
    static int closeLeftOpen(Connection c, String replicaId) throws SQLException {
        c.setAutoCommit(false);
        try {
            // The chain head first, as the retention job takes it, so the two never deadlock.
            AuditStore.GlobalChain chain = AuditStore.GlobalChain.lock(c);
            List<Open> open = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("""
                    SELECT id, start_hash, application_name FROM pgwarden.audit_session
                    WHERE replica_id = ? AND final_hash IS NULL ORDER BY started_at, id FOR UPDATE""")) {
                ps.setString(1, replicaId);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        open.add(new Open(rs.getString(1), rs.getString(2), rs.getString(3)));
                    }
                }
            }
            if (open.isEmpty()) {
                c.rollback();
                return 0;
            }
            try (PreparedStatement last = c.prepareStatement("""
                    SELECT seq, hash,
                        (SELECT coalesce(sum(row_count) FILTER (WHERE result IS NOT NULL), 0)
                         FROM pgwarden.audit_statement WHERE session_id = ?),
                        (SELECT coalesce(sum(byte_count), 0) FROM pgwarden.audit_statement WHERE session_id = ?)
                    FROM pgwarden.audit_statement WHERE session_id = ? ORDER BY seq DESC LIMIT 1""");
                    PreparedStatement end = c.prepareStatement(AuditStore.END_SESSION)) {
                for (Open s : open) {
                    int statements = 0;
                    String lastHash = s.startHash();
                    long rows = 0;
                    long bytes = 0;
                    last.setString(1, s.id());
                    last.setString(2, s.id());
                    last.setString(3, s.id());
                    try (ResultSet rs = last.executeQuery()) {
                        if (rs.next()) {
                            statements = rs.getInt(1);
                            lastHash = rs.getString(2);
                            rows = rs.getLong(3);
                            bytes = rs.getLong(4);
                        }
                    }
                    long endedAt = Micros.now();
                    String finalHash = AuditHash.sessionEnd(lastHash, endedAt, END_REASON, statements, rows, bytes,
                            s.applicationName());
                    end.setLong(1, endedAt);
                    end.setString(2, END_REASON);
                    end.setInt(3, statements);
                    end.setLong(4, rows);
                    end.setLong(5, bytes);
                    end.setString(6, s.applicationName());
                    end.setString(7, finalHash);
                    end.setString(8, s.id());
                    end.executeUpdate();
                    chain.append(c, "session", s.id(), finalHash, null, Micros.now());
                }
            }
            chain.saveHead(c);
            c.commit();
            return open.size();
        } catch (SQLException | RuntimeException e) {
            AuditStore.rollbackQuietly(c);
            throw e;
        }
    }
}
