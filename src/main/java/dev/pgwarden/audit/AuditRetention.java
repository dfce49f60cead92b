package dev.pgwarden.audit;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.pgwarden.config.GatewayConfig;
import io.agroal.api.AgroalDataSource;
import io.quarkus.scheduler.Scheduled;

/**
 * Removes what is older than {@code pgwarden.audit.retention-days}, hourly, and leaves its own
 * record in the global chain: when it ran, the cutoff, what it removed and where the chain now
 * starts (its anchor), so {@code audit verify} can tell a retention run from entries cut away.
 *
 * <p>What goes: the oldest entries of the global chain created before the cutoff (a prefix, so the
 * chain stays whole), the sessions they name with their statements, and sessions that never ended
 * (their gateway died) that started before the cutoff and recorded nothing since.
 */
@ApplicationScoped
public class AuditRetention {
    private static final Logger LOG = Logger.getLogger(AuditRetention.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What one run removed; {@code chainSeq} is the seq of its own chain entry (0 when nothing was removed). */
    public record Outcome(Instant cutoff, long sessions, long statements, long chainEntries, long chainSeq) {
    }

    @Inject
    GatewayConfig config;
    @Inject
    AgroalDataSource dataSource;

    @Scheduled(every = "1h", delayed = "1m", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void scheduled() {
        int days = config.audit().retentionDays();
        if (days <= 0 || !config.audit().enabled()) {
            return;
        }
        try {
            Outcome o = removeBefore(Instant.now().minus(Duration.ofDays(days)));
            if (o.chainSeq() > 0) {
                LOG.infof("audit retention: removed %d sessions, %d statements and %d chain entries older than %s",
                        o.sessions(), o.statements(), o.chainEntries(), o.cutoff());
            }
        } catch (SQLException e) {
            LOG.warnf("audit retention failed (it retries in an hour): %s", e.getMessage());
        }
    }

    /** Removes what ended before {@code cutoff}, in one transaction; records the run unless nothing went. */
    public Outcome removeBefore(Instant cutoff) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                Outcome o = remove(c, cutoff);
                c.commit();
                return o;
            } catch (SQLException | RuntimeException e) {
                AuditStore.rollbackQuietly(c);
                throw e;
            }
        }
    }

    private static Outcome remove(Connection c, Instant cutoff) throws SQLException {
        AuditStore.GlobalChain chain = AuditStore.GlobalChain.lock(c); // appenders wait: the prefix stays still
        long keepFrom = chain.seq() + 1;
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT min(seq) FROM pgwarden.audit_chain WHERE created_at >= ?")) {
            ps.setObject(1, cutoff.atOffset(ZoneOffset.UTC));
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next() && rs.getObject(1) != null) {
                    keepFrom = rs.getLong(1);
                }
            }
        }
        long statements;
        long sessions;
        try (PreparedStatement ps = c.prepareStatement("""
                WITH doomed AS (
                    SELECT session_id AS id FROM pgwarden.audit_chain WHERE seq < ? AND kind = 'session'
                    UNION
                    SELECT s.id FROM pgwarden.audit_session s
                    WHERE s.ended_at IS NULL AND s.started_at < ? AND NOT EXISTS (
                        SELECT 1 FROM pgwarden.audit_statement st WHERE st.session_id = s.id AND st.finished_at >= ?)),
                gone_statements AS (
                    DELETE FROM pgwarden.audit_statement WHERE session_id IN (SELECT id FROM doomed) RETURNING 1),
                gone_sessions AS (
                    DELETE FROM pgwarden.audit_session WHERE id IN (SELECT id FROM doomed) RETURNING 1)
                SELECT (SELECT count(*) FROM gone_sessions), (SELECT count(*) FROM gone_statements)""")) {
            ps.setLong(1, keepFrom);
            ps.setObject(2, cutoff.atOffset(ZoneOffset.UTC));
            ps.setObject(3, cutoff.atOffset(ZoneOffset.UTC));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                sessions = rs.getLong(1);
                statements = rs.getLong(2);
            }
        }
        long entries;
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM pgwarden.audit_chain WHERE seq < ?")) {
            ps.setLong(1, keepFrom);
            entries = ps.executeUpdate();
        }
        if (sessions == 0 && statements == 0 && entries == 0) {
            return new Outcome(cutoff, 0, 0, 0, 0);
        }
        // Where the chain now starts: its first remaining entry, or this run's own entry.
        long anchorSeq = chain.seq() + 1;
        String anchorPrev = chain.hash();
        try (PreparedStatement ps = c.prepareStatement("SELECT seq, prev_hash FROM pgwarden.audit_chain WHERE seq = ?")) {
            ps.setLong(1, keepFrom);
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    anchorSeq = rs.getLong(1);
                    anchorPrev = rs.getString(2);
                }
            }
        }
        Map<String, Object> detail = new LinkedHashMap<>();
        detail.put("cutoff", cutoff.toString());
        detail.put("sessions", sessions);
        detail.put("statements", statements);
        detail.put("chainEntries", entries);
        detail.put("anchorSeq", anchorSeq);
        detail.put("anchorPrevHash", anchorPrev);
        chain.append(c, "retention", null, null, json(detail), Micros.now());
        chain.saveHead(c);
        return new Outcome(cutoff, sessions, statements, entries, chain.seq());
    }

    private static String json(Map<String, Object> detail) {
        try {
            return JSON.writeValueAsString(detail);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
