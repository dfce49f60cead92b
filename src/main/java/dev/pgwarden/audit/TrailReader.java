package dev.pgwarden.audit;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;

/**
 * Streams the trail out of the store with a cursor (a fixed fetch size inside a read-only
 * transaction), so verifying or exporting millions of records keeps memory flat. Plain JDBC: the
 * command-line verifier uses it without the gateway running.
 */
public final class TrailReader {
    private static final int FETCH = 500;

    /** A session row; timestamps in microseconds since 1970, null while not set. */
    public record SessionRow(String id, String subject, String groups, String role, String clientAddress,
            String applicationName, boolean tls, long startedAt, String startHash, Long endedAt, String endReason,
            Integer statementCount, Long rowCount, Long byteCount, String finalHash, boolean chained) {
    }

    public record StatementRow(String sessionId, int seq, String text, String parameters, String decision,
            String rule, String policyVersion, String approvalId, long startedAt, long finishedAt, Long rowCount,
            String sqlState, String message, long byteCount, String result, String hash) {
    }

    public record ChainRow(long seq, String kind, String sessionId, String sessionHash, String detail,
            long createdAt, String prevHash, String hash, boolean sessionExists, String sessionFinalHash) {
    }

    /** Called in order: each session, then its statements by sequence number. */
    public interface SessionVisitor {
        void session(SessionRow s) throws Exception;

        void statement(SessionRow s, StatementRow st) throws Exception;
    }

    public interface ChainVisitor {
        void entry(ChainRow c) throws Exception;
    }

    private static final String SESSIONS = """
            SELECT s.id, s.subject, s.groups, s.role, s.client_address, s.application_name, s.tls, s.started_at,
                s.start_hash, s.ended_at, s.end_reason, s.statement_count, s.row_count, s.byte_count, s.final_hash,
                EXISTS (SELECT 1 FROM pgwarden.audit_chain c WHERE c.session_id = s.id) AS chained,
                st.seq, st.text, st.parameters, st.decision, st.rule, st.policy_version, st.approval_id,
                st.started_at, st.finished_at, st.row_count, st.sql_state, st.message, st.byte_count, st.result,
                st.hash
            FROM pgwarden.audit_session s LEFT JOIN pgwarden.audit_statement st ON st.session_id = s.id
            WHERE s.started_at >= ? AND s.started_at < ? AND (?::text IS NULL OR s.id = ?)
            ORDER BY s.started_at, s.id, st.seq""";

    private static final String CHAIN = """
            SELECT c.seq, c.kind, c.session_id, c.session_hash, c.detail, c.created_at, c.prev_hash, c.hash,
                s.id IS NOT NULL, s.final_hash
            FROM pgwarden.audit_chain c LEFT JOIN pgwarden.audit_session s ON s.id = c.session_id
            WHERE c.created_at >= ? AND c.created_at < ? AND (?::text IS NULL OR c.session_id = ?)
            ORDER BY c.seq""";

    private static final OffsetDateTime MIN = OffsetDateTime.parse("0001-01-01T00:00:00Z");
    private static final OffsetDateTime MAX = OffsetDateTime.parse("9999-01-01T00:00:00Z");

    private TrailReader() {
    }

    /**
     * Sessions started in {@code [from, to)} (null: unbounded), or only {@code sessionId}.
     * {@code c} must not be in autocommit mode (a cursor needs a transaction).
     */
    public static void sessions(Connection c, OffsetDateTime from, OffsetDateTime to, String sessionId,
            SessionVisitor v) throws Exception {
        try (PreparedStatement ps = c.prepareStatement(SESSIONS)) {
            bind(ps, from, to, sessionId);
            try (ResultSet rs = ps.executeQuery()) {
                SessionRow current = null;
                while (rs.next()) {
                    String id = rs.getString(1);
                    if (current == null || !current.id().equals(id)) {
                        current = new SessionRow(id, rs.getString(2), rs.getString(3), rs.getString(4),
                                rs.getString(5), rs.getString(6), rs.getBoolean(7), micros(rs, 8), rs.getString(9),
                                microsOrNull(rs, 10), rs.getString(11), (Integer) rs.getObject(12),
                                (Long) rs.getObject(13), (Long) rs.getObject(14), rs.getString(15), rs.getBoolean(16));
                        v.session(current);
                    }
                    if (rs.getObject(17) != null) {
                        v.statement(current, new StatementRow(id, rs.getInt(17), rs.getString(18), rs.getString(19),
                                rs.getString(20), rs.getString(21), rs.getString(22), rs.getString(23),
                                micros(rs, 24), micros(rs, 25), (Long) rs.getObject(26), rs.getString(27),
                                rs.getString(28), rs.getLong(29), rs.getString(30), rs.getString(31)));
                    }
                }
            }
        }
    }

    /** Global chain entries created in {@code [from, to)}, or only those of {@code sessionId}, by sequence. */
    public static void chain(Connection c, OffsetDateTime from, OffsetDateTime to, String sessionId, ChainVisitor v)
            throws Exception {
        try (PreparedStatement ps = c.prepareStatement(CHAIN)) {
            bind(ps, from, to, sessionId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    v.entry(new ChainRow(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4),
                            rs.getString(5), micros(rs, 6), rs.getString(7), rs.getString(8), rs.getBoolean(9),
                            rs.getString(10)));
                }
            }
        }
    }

    private static void bind(PreparedStatement ps, OffsetDateTime from, OffsetDateTime to, String sessionId)
            throws SQLException {
        ps.setFetchSize(FETCH);
        ps.setObject(1, from != null ? from : MIN);
        ps.setObject(2, to != null ? to : MAX);
        ps.setString(3, sessionId);
        ps.setString(4, sessionId);
    }

    private static long micros(ResultSet rs, int column) throws SQLException {
        return Micros.of(rs.getObject(column, OffsetDateTime.class).toInstant());
    }

    private static Long microsOrNull(ResultSet rs, int column) throws SQLException {
        OffsetDateTime t = rs.getObject(column, OffsetDateTime.class);
        return t == null ? null : Micros.of(t.toInstant());
    }
}
