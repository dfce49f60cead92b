package dev.pgwarden.budgets;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import javax.sql.DataSource;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.pgwarden.audit.ChainRecords;
import dev.pgwarden.policy.Budget;

/**
 * The budgets' tables in the gateway's store (see V6__budgets.sql). Usage goes in by the minute,
 * added to what other replicas wrote; a rolling hour is read back as the sum of the last 60 minutes.
 * Flusher thread only.
 */
final class BudgetStore {
    static final String ADD_USAGE = """
            INSERT INTO pgwarden.budget_usage AS u (budget, subject, minute, rows, bytes, lookups)
            SELECT b, s, date_trunc('minute', now()), r, y, l
            FROM unnest(?::text[], ?::text[], ?::int8[], ?::int8[], ?::int8[]) AS x(b, s, r, y, l)
            ORDER BY b, s
            ON CONFLICT (budget, subject, minute) DO UPDATE SET rows = u.rows + excluded.rows,
                bytes = u.bytes + excluded.bytes, lookups = u.lookups + excluded.lookups""";
    static final String WINDOW = """
            SELECT budget, subject, sum(rows), sum(bytes), sum(lookups) FROM pgwarden.budget_usage
            WHERE minute > now() - interval '1 hour' GROUP BY budget, subject""";
    /** Approvals of budget holds (fingerprint budget:<name>, see BudgetCheck) with an open grant window. */
    static final String OPEN_GRANTS = """
            SELECT rule, requester_subject, id, grant_until FROM pgwarden.approval_request
            WHERE status = 'APPROVED' AND grant_until > ? AND fingerprint LIKE 'budget:%'
                AND fingerprint = 'budget:' || rule""";
    static final String RECORD_CROSSING = """
            INSERT INTO pgwarden.budget_crossing (budget, subject, hour, crossed_at, rows, bytes, lookups,
                rows_per_hour, bytes_per_hour, lookups_per_hour, policy_version)
            VALUES (?, ?, date_trunc('hour', now()), now(), ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (budget, subject, hour) DO NOTHING
            RETURNING crossed_at, hour""";

    private static final ObjectMapper JSON = new ObjectMapper();

    /** A row of the window: one subject's usage of one budget. */
    record WindowRow(String budget, String subject, BudgetUsage usage) {
    }

    /** An approval that lifts {@code budget} for {@code subject} until {@code until}. */
    record OpenGrant(String budget, String subject, String approvalId, Instant until) {
    }

    private final DataSource dataSource;

    BudgetStore(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** Adds usage to the current minute (one statement, its own transaction: rows locked in one order). */
    void add(List<String> budgets, List<String> subjects, long[] rows, long[] bytes, long[] lookups)
            throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(true);
            try (PreparedStatement ps = c.prepareStatement(ADD_USAGE)) {
                ps.setArray(1, c.createArrayOf("text", budgets.toArray()));
                ps.setArray(2, c.createArrayOf("text", subjects.toArray()));
                ps.setArray(3, longs(c, rows));
                ps.setArray(4, longs(c, bytes));
                ps.setArray(5, longs(c, lookups));
                ps.executeUpdate();
            }
        }
    }

    /** Every subject's usage of every budget in the last 60 minutes, and the open budget grants. */
    Window window(Instant now) throws SQLException {
        List<WindowRow> rows = new ArrayList<>();
        List<OpenGrant> grants = new ArrayList<>();
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(true);
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(WINDOW)) {
                while (rs.next()) {
                    rows.add(new WindowRow(rs.getString(1), rs.getString(2),
                            new BudgetUsage(rs.getLong(3), rs.getLong(4), rs.getLong(5))));
                }
            }
            try (PreparedStatement ps = c.prepareStatement(OPEN_GRANTS)) {
                ps.setTimestamp(1, Timestamp.from(now));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        grants.add(new OpenGrant(rs.getString(1), rs.getString(2), rs.getString(3),
                                rs.getTimestamp(4).toInstant()));
                    }
                }
            }
        }
        return new Window(rows, grants);
    }

    record Window(List<WindowRow> rows, List<OpenGrant> grants) {
    }

    /**
     * Records that {@code subject} is over {@code budget}, unless a replica already did this clock
     * hour; the first one also appends a {@code budget} entry to the audit chain (when
     * {@code chained}), in the same transaction.
     *
     * @return true when this call recorded it
     */
    boolean recordCrossing(Budget budget, String subject, BudgetUsage usage, String policyVersion, boolean chained)
            throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                Instant crossedAt;
                Timestamp hour = null;
                try (PreparedStatement ps = c.prepareStatement(RECORD_CROSSING)) {
                    ps.setString(1, budget.name());
                    ps.setString(2, subject);
                    ps.setLong(3, usage.rows());
                    ps.setLong(4, usage.bytes());
                    ps.setLong(5, usage.lookups());
                    setLimit(ps, 6, budget.rowsPerHour());
                    setLimit(ps, 7, budget.bytesPerHour());
                    setLimit(ps, 8, budget.lookupsPerHour());
                    ps.setString(9, policyVersion);
                    try (ResultSet rs = ps.executeQuery()) {
                        crossedAt = null;
                        if (rs.next()) {
                            crossedAt = rs.getTimestamp(1).toInstant();
                            hour = rs.getTimestamp(2);
                        }
                    }
                }
                if (crossedAt == null) {
                    c.rollback();
                    return false;
                }
                if (chained) {
                    long seq = ChainRecords.append(c, "budget",
                            detail(budget, subject, usage, policyVersion, crossedAt));
                    try (PreparedStatement ps = c.prepareStatement("UPDATE pgwarden.budget_crossing SET chain_seq = ? "
                            + "WHERE budget = ? AND subject = ? AND hour = ?")) {
                        ps.setLong(1, seq);
                        ps.setString(2, budget.name());
                        ps.setString(3, subject);
                        ps.setTimestamp(4, hour);
                        ps.executeUpdate();
                    }
                }
                c.commit();
                return true;
            } catch (SQLException | RuntimeException e) {
                try {
                    c.rollback();
                } catch (SQLException ignored) {
                    // the connection is broken; the pool discards it
                }
                throw e;
            }
        }
    }

    /** The audit chain entry's detail: what the subject received, and the limits it crossed. */
    static String detail(Budget budget, String subject, BudgetUsage usage, String policyVersion, Instant crossedAt) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("budget", budget.name());
        d.put("subject", subject);
        d.put("crossedAt", crossedAt.toString());
        d.put("rows", usage.rows());
        d.put("bytes", usage.bytes());
        d.put("lookups", usage.lookups());
        d.put("rowsPerHour", limit(budget.rowsPerHour()));
        d.put("bytesPerHour", limit(budget.bytesPerHour()));
        d.put("lookupsPerHour", limit(budget.lookupsPerHour()));
        d.put("policyVersion", policyVersion);
        try {
            return JSON.writeValueAsString(d);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The latest crossings, newest first. */
    List<BudgetReport.Crossing> crossings(int limit) throws SQLException {
        List<BudgetReport.Crossing> out = new ArrayList<>();
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement("""
                        SELECT budget, subject, crossed_at, rows, bytes, lookups, rows_per_hour, bytes_per_hour,
                            lookups_per_hour, policy_version, chain_seq
                        FROM pgwarden.budget_crossing ORDER BY crossed_at DESC LIMIT ?""")) {
            ps.setInt(1, limit);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new BudgetReport.Crossing(rs.getString(1), rs.getString(2), rs.getTimestamp(3).toInstant(),
                            rs.getLong(4), rs.getLong(5), rs.getLong(6), (Long) rs.getObject(7),
                            (Long) rs.getObject(8), (Long) rs.getObject(9), rs.getString(10),
                            (Long) rs.getObject(11)));
                }
            }
        }
        return out;
    }

    /** Usage that no window reaches any more, and crossings older than {@code keepDays} (0: kept). */
    void removeOld(int keepDays) throws SQLException {
        try (Connection c = dataSource.getConnection(); Statement st = c.createStatement()) {
            c.setAutoCommit(true);
            st.executeUpdate("DELETE FROM pgwarden.budget_usage WHERE minute < now() - interval '2 hours'");
            if (keepDays > 0) {
                st.executeUpdate("DELETE FROM pgwarden.budget_crossing WHERE crossed_at < now() - interval '"
                        + keepDays + " days'");
            }
        }
    }

    private static Object limit(long perHour) {
        return perHour == Budget.UNLIMITED ? null : perHour;
    }

    private static void setLimit(PreparedStatement ps, int index, long perHour) throws SQLException {
        if (perHour == Budget.UNLIMITED) {
            ps.setNull(index, java.sql.Types.BIGINT);
        } else {
            ps.setLong(index, perHour);
        }
    }

    private static Array longs(Connection c, long[] values) throws SQLException {
        Long[] boxed = new Long[values.length];
        for (int i = 0; i < values.length; i++) {
            boxed[i] = values[i];
        }
        return c.createArrayOf("int8", boxed);
    }

    static Map<String, Map<String, BudgetUsage>> bySubject(List<WindowRow> rows) {
        Map<String, Map<String, BudgetUsage>> out = new HashMap<>();
        for (WindowRow r : rows) {
            out.computeIfAbsent(r.budget(), k -> new HashMap<>()).put(r.subject(), r.usage());
        }
        return out;
    }
}
