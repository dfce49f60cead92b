package dev.pgwarden.audit;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;

import javax.sql.DataSource;

import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;

/**
 * Writes a batch of events in one transaction: session starts, the batch's statements, session
 * ends with their links in the global chain. A batch of only statements (the steady state when
 * clients wait for their records) runs in autocommit. Up to {@link #ONE_ROUND_TRIP_MAX} statements go
 * in as one prepared multi-row INSERT ... VALUES (one round trip to the store), more with a binary
 * COPY (two round trips, PostgreSQL's cheapest rows: nothing to parse, no conflict check). Both beat
 * one INSERT of unnested arrays (measured with 8 fail-closed sessions waiting, batches of about 7: 33
 * µs of store CPU per record by COPY instead of 48-55). Hashes and JSON are computed once per event,
 * so a retried batch writes exactly the same rows; a first attempt that collides with its own rows (a
 * commit that went through after all) is written again by the same multi-row INSERT, in chunks, skipping
 * rows already there (ON CONFLICT DO NOTHING). The writer's lanes call it concurrently, each with its
 * own batches; a session's chain state is only touched by its lane.
 */
final class AuditStore implements AuditWriter.Store {
    static final String INSERT_SESSION = """
            INSERT INTO pgwarden.audit_session (id, subject, groups, role, client_address, application_name, tls,
                started_at, start_hash, replica_id)
            VALUES (?, ?, ?, ?, ?, ?, ?, TIMESTAMPTZ 'epoch' + ? * INTERVAL '1 microsecond', ?, ?)
            ON CONFLICT (id) DO NOTHING""";
    static final String END_SESSION = """
            UPDATE pgwarden.audit_session SET ended_at = TIMESTAMPTZ 'epoch' + ? * INTERVAL '1 microsecond',
                end_reason = ?, statement_count = ?, row_count = ?, byte_count = ?, application_name = ?,
                final_hash = ?
            WHERE id = ? AND final_hash IS NULL""";

    private final DataSource dataSource;
    private final RecordRenderer renderer;
    private final Runnable discardBrokenConnections;

    /** @param discardBrokenConnections called after a failure, so the pool does not hand out dead connections */
    AuditStore(DataSource dataSource, RecordRenderer renderer, Runnable discardBrokenConnections) {
        this.dataSource = dataSource;
        this.renderer = renderer;
        this.discardBrokenConnections = discardBrokenConnections;
    }

    @Override
    public boolean reachable() {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            s.execute("SELECT 1");
            return true;
        } catch (SQLException e) {
            discardBrokenConnections.run();
            return false;
        }
    }

    @Override
    public void write(List<AuditEvent> batch) throws SQLException {
        try {
            try {
                writeBatch(batch, true);
            } catch (SQLException e) {
                if (!UNIQUE_VIOLATION.equals(e.getSQLState())) {
                    throw e;
                }
                writeBatch(batch, false); // an earlier attempt committed after all: skip what is there
            }
        } catch (SQLException e) {
            discardBrokenConnections.run();
            throw e;
        }
    }

    /** @param firstAttempt false once a first attempt collided with its own rows: then rows already there are skipped */
    private void writeBatch(List<AuditEvent> batch, boolean firstAttempt) throws SQLException {
        List<SessionRecord> starts = new ArrayList<>();
        List<StatementRecord> statements = new ArrayList<>();
        List<SessionRecord.Ended> ends = new ArrayList<>();
        for (AuditEvent e : batch) {
            // In queue order: a session's chain runs start, statements, end.
            if (e instanceof SessionRecord.Started s) {
                s.session.startHash();
                starts.add(s.session);
            } else if (e instanceof StatementRecord r) {
                hash(r);
                statements.add(r);
            } else if (e instanceof SessionRecord.Ended end) {
                end.finalHash();
                ends.add(end);
            }
        }
        try (Connection c = dataSource.getConnection()) {
            if (starts.isEmpty() && ends.isEmpty()) {
                c.setAutoCommit(true); // one statement, its own transaction: no BEGIN/COMMIT round trips
                writeStatements(c, statements, firstAttempt);
                return;
            }
            c.setAutoCommit(false);
            try {
                insertSessions(c, starts);
                writeStatements(c, statements, firstAttempt);
                endSessions(c, ends);
                c.commit();
            } catch (SQLException | RuntimeException e) {
                rollbackQuietly(c);
                throw e;
            }
        }
    }

    private void hash(StatementRecord r) {
        if (r.hash != null) {
            return;
        }
        r.session.startHash(); // normally done by its Started event, earlier in the queue
        r.text = renderer.text(r.text);
        r.parametersJson = renderer.parameters(r.parameters);
        r.resultJson = renderer.result(r.result);
        r.hash = AuditHash.statement(r.session.lastHash, r.session.id, r.seq, r.text, r.parametersJson, r.decision,
                r.rule, r.policyVersion, r.approvalId, r.startedAt, r.finishedAt, r.rowCount, r.sqlState, r.message,
                r.byteCount, r.resultJson);
        r.session.lastHash = r.hash;
    }

    private static void insertSessions(Connection c, List<SessionRecord> starts) throws SQLException {
        if (starts.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = c.prepareStatement(INSERT_SESSION)) {
            for (SessionRecord s : starts) {
                ps.setString(1, s.id);
                ps.setString(2, s.subject);
                ps.setString(3, s.groups);
                ps.setString(4, s.role);
                ps.setString(5, s.clientAddress);
                ps.setString(6, s.applicationName);
                ps.setBoolean(7, s.tls);
                ps.setLong(8, s.startedAt);
                ps.setString(9, s.startHash);
                ps.setString(10, s.replicaId);
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    private static void writeStatements(Connection c, List<StatementRecord> rs, boolean firstAttempt)
            throws SQLException {
        if (!firstAttempt) {
            for (int from = 0; from < rs.size(); from += ONE_ROUND_TRIP_MAX) {
                insertValues(c, rs.subList(from, Math.min(rs.size(), from + ONE_ROUND_TRIP_MAX)), true);
            }
        } else if (rs.size() <= ONE_ROUND_TRIP_MAX) {
            insertValues(c, rs, false);
        } else {
            copyStatements(c, rs);
        }
    }

    /**
     * Batches up to this many statements go in as one prepared multi-row INSERT, whose Bind, Execute and
     * Sync leave in one write and whose reply (in autocommit, after the commit) comes back in one: one
     * round trip to the store, where COPY takes two (its CopyInResponse comes back before the rows may
     * be sent). With 8 fail-closed clients a batch holds about three, and each client's acknowledgement
     * waits for the commit: with the store a network hop away, that hop is paid once instead of twice.
     * The store's CPU per record is the same either way at that size (measured, see docs/benchmarks.md);
     * larger batches, where the extra round trip is spread thin, keep COPY's cheaper rows. Each size is
     * its own prepared statement, so at most this many per store connection (twice that after retries,
     * which insert in chunks of this size skipping rows already there).
     */
    static final int ONE_ROUND_TRIP_MAX = 64;
    private static final String[] INSERT_VALUES = new String[ONE_ROUND_TRIP_MAX + 1];
    private static final String[] INSERT_VALUES_SKIPPING = new String[ONE_ROUND_TRIP_MAX + 1];

    /**
     * INSERT ... VALUES with {@code rows} rows of the 16 columns (built once per size; racy but idempotent);
     * {@code skipExisting}: rows already there are skipped (a retry whose first attempt committed after all).
     */
    static String insertValuesSql(int rows, boolean skipExisting) {
        String[] cache = skipExisting ? INSERT_VALUES_SKIPPING : INSERT_VALUES;
        String sql = cache[rows];
        if (sql == null) {
            String row = "(?, ?, ?, ?, ?, ?, ?, ?, TIMESTAMPTZ 'epoch' + ? * INTERVAL '1 microsecond', "
                    + "TIMESTAMPTZ 'epoch' + ? * INTERVAL '1 microsecond', ?, ?, ?, ?, ?, ?)";
            StringBuilder b = new StringBuilder("INSERT INTO pgwarden.audit_statement (session_id, seq, text, "
                    + "parameters, decision, rule, policy_version, approval_id, started_at, finished_at, row_count, "
                    + "sql_state, message, byte_count, result, hash) VALUES ");
            for (int i = 0; i < rows; i++) {
                b.append(i == 0 ? "" : ", ").append(row);
            }
            if (skipExisting) {
                b.append(" ON CONFLICT (session_id, seq) DO NOTHING");
            }
            sql = b.toString();
            cache[rows] = sql;
        }
        return sql;
    }

    private static void insertValues(Connection c, List<StatementRecord> rs, boolean skipExisting)
            throws SQLException {
        if (rs.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = c.prepareStatement(insertValuesSql(rs.size(), skipExisting))) {
            int i = 0;
            for (StatementRecord r : rs) {
                ps.setString(++i, r.session.id);
                ps.setInt(++i, r.seq);
                ps.setString(++i, r.text);
                ps.setString(++i, r.parametersJson);
                ps.setString(++i, r.decision);
                ps.setString(++i, r.rule);
                ps.setString(++i, r.policyVersion);
                ps.setString(++i, r.approvalId);
                ps.setLong(++i, r.startedAt);
                ps.setLong(++i, r.finishedAt);
                if (r.rowCount == null) {
                    ps.setNull(++i, Types.BIGINT);
                } else {
                    ps.setLong(++i, r.rowCount);
                }
                ps.setString(++i, r.sqlState);
                ps.setString(++i, r.message);
                ps.setLong(++i, r.byteCount);
                ps.setString(++i, r.resultJson);
                ps.setString(++i, r.hash);
            }
            ps.executeUpdate();
        }
    }

    static final String COPY_STATEMENTS = """
            COPY pgwarden.audit_statement (session_id, seq, text, parameters, decision, rule, policy_version,
                approval_id, started_at, finished_at, row_count, sql_state, message, byte_count, result, hash)
            FROM STDIN (FORMAT binary)""";
    private static final String UNIQUE_VIOLATION = "23505";
    /** COPY data is sent in messages of at most this size. */
    private static final int COPY_CHUNK = 1 << 20;

    private static void copyStatements(Connection c, List<StatementRecord> rs) throws SQLException {
        if (rs.isEmpty()) {
            return;
        }
        CopyBinary rows = new CopyBinary(rs.size() * 512);
        for (StatementRecord r : rs) {
            rows.row(16).text(r.session.id).int4(r.seq).text(r.text).text(r.parametersJson).text(r.decision)
                    .text(r.rule).text(r.policyVersion).text(r.approvalId).timestamptz(r.startedAt)
                    .timestamptz(r.finishedAt).int8(r.rowCount).text(r.sqlState).text(r.message).int8(r.byteCount)
                    .text(r.resultJson).text(r.hash);
        }
        rows.finish();
        CopyIn in = c.unwrap(PGConnection.class).getCopyAPI().copyIn(COPY_STATEMENTS);
        try {
            for (int off = 0; off < rows.length(); off += COPY_CHUNK) {
                in.writeToCopy(rows.array(), off, Math.min(COPY_CHUNK, rows.length() - off));
            }
            in.endCopy();
        } finally {
            if (in.isActive()) {
                in.cancelCopy();
            }
        }
    }

    private static void endSessions(Connection c, List<SessionRecord.Ended> ends) throws SQLException {
        if (ends.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = c.prepareStatement(END_SESSION)) {
            for (SessionRecord.Ended e : ends) {
                ps.setLong(1, e.endedAt);
                ps.setString(2, e.reason);
                ps.setInt(3, e.statements);
                ps.setLong(4, e.rows);
                ps.setLong(5, e.bytesSent);
                ps.setString(6, e.applicationName);
                ps.setString(7, e.finalHash);
                ps.setString(8, e.session.id);
                ps.addBatch();
            }
            int[] updated = ps.executeBatch();
            GlobalChain chain = GlobalChain.lock(c);
            for (int i = 0; i < ends.size(); i++) {
                if (updated[i] != 0) { // 0: a retry of a batch whose commit went through after all
                    SessionRecord.Ended e = ends.get(i);
                    chain.append(c, "session", e.session.id, e.finalHash, null, Micros.now());
                }
            }
            chain.saveHead(c);
        }
    }

    static void rollbackQuietly(Connection c) {
        try {
            c.rollback();
        } catch (SQLException ignored) {
            // the connection is likely gone; the pool discards it
        }
    }

    /** The global chain's head, locked for this transaction (so replicas sharing the store append in turn). */
    static final class GlobalChain {
        private long seq;
        private String hash;

        static GlobalChain lock(Connection c) throws SQLException {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT seq, hash FROM pgwarden.audit_chain_head WHERE id = 1 FOR UPDATE");
                    ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new SQLException("pgwarden.audit_chain_head has no row: the audit store is damaged");
                }
                GlobalChain g = new GlobalChain();
                g.seq = rs.getLong(1);
                g.hash = rs.getString(2);
                return g;
            }
        }

        /** Appends an entry after the head; returns its hash. */
        String append(Connection c, String kind, String sessionId, String sessionHash, String detail, long createdAt)
                throws SQLException {
            long next = seq + 1;
            String h = AuditHash.chainEntry(hash, next, kind, sessionId, sessionHash, detail, createdAt);
            try (PreparedStatement ps = c.prepareStatement("""
                    INSERT INTO pgwarden.audit_chain (seq, kind, session_id, session_hash, detail, created_at,
                        prev_hash, hash)
                    VALUES (?, ?, ?, ?, ?, TIMESTAMPTZ 'epoch' + ? * INTERVAL '1 microsecond', ?, ?)""")) {
                ps.setLong(1, next);
                ps.setString(2, kind);
                ps.setString(3, sessionId);
                ps.setString(4, sessionHash);
                ps.setString(5, detail);
                ps.setLong(6, createdAt);
                ps.setString(7, hash);
                ps.setString(8, h);
                ps.executeUpdate();
            }
            seq = next;
            hash = h;
            return h;
        }

        void saveHead(Connection c) throws SQLException {
            try (PreparedStatement ps = c.prepareStatement(
                    "UPDATE pgwarden.audit_chain_head SET seq = ?, hash = ? WHERE id = 1")) {
                ps.setLong(1, seq);
                ps.setString(2, hash);
                ps.executeUpdate();
            }
        }

        long seq() {
            return seq;
        }

        String hash() {
            return hash;
        }
    }
}
