package dev.pgwarden.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.pgwarden.identity.Principal;
import dev.pgwarden.masking.ContentDetectors;
import dev.pgwarden.proxy.SessionInfo;
import dev.pgwarden.testing.GatewayTestResource;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.core.Promise;

/**
 * The writer's lanes against the real store: sessions on different lanes commit in any order (one
 * held up by a lock the test takes), and the global chain follows commit order and verifies; a
 * lane cut off mid-flight (as by a crash) leaves a prefix of its session that crash recovery closes,
 * and the trail still verifies; a replica id is held by one process at a time.
 */
@QuarkusTest
@QuarkusTestResource(GatewayTestResource.class)
class AuditWriterLanesTest {
    @Inject
    AgroalDataSource dataSource;

    private AuditWriter writer(int lanes) {
        return writer(lanes, Duration.ZERO);
    }

    private AuditWriter writer(int lanes, Duration gather) {
        AuditWriter w = new AuditWriter(new AuditStore(dataSource, new RecordRenderer(ContentDetectors.all()), () -> {
        }), lanes, 10_000, 1L << 30, true, Duration.ofMinutes(1), gather);
        w.start();
        return w;
    }

    /** A session of the trail with its own lane, and the records it queues. */
    private static final class Recorded {
        final SessionRecord session;
        final AuditWriter.Lane lane;
        final AuditWriter writer;
        int seq;

        Recorded(AuditWriter writer, String replicaId) {
            this.writer = writer;
            this.lane = writer.lane();
            Principal who = new Principal("lanes-" + UUID.randomUUID(), Set.of("analysts"), "test-issuer",
                    Instant.now().plusSeconds(600));
            this.session = new SessionRecord(new SessionInfo(UUID.randomUUID().toString(), who, "analyst_ro",
                    "127.0.0.1:2", "lanes-test", "", false, Instant.now()), replicaId);
            writer.submit(lane, new SessionRecord.Started(session));
        }

        Promise<Void> statement(String sql) {
            Promise<Void> durable = Promise.promise();
            StatementRecord r = new StatementRecord(durable, session, sql, null, "allowed", null, "v1", null,
                    Micros.now(), new ResultCapture(10, 1000));
            r.seq = ++seq;
            r.finishedAt = Micros.now();
            r.rowCount = 1L;
            writer.submit(lane, r);
            return durable;
        }

        void end() {
            writer.submit(lane, new SessionRecord.Ended(session, Micros.now(), "client terminated", seq, 0, 0,
                    "lanes-test"));
        }
    }

    @Test
    void sessionsOnDifferentLanesCommitOutOfQueueOrderAndTheChainsStillVerify() throws Exception {
        AuditWriter writer = writer(2);
        try (Connection blocker = dataSource.getConnection()) {
            Recorded first = new Recorded(writer, "lanes-test");
            Recorded second = new Recorded(writer, "lanes-test");
            assertTrue(first.lane != second.lane, "round robin puts them on different lanes");
            await(first.statement("SELECT 1"));
            await(second.statement("SELECT 2"));

            // Hold the first session's row: its end (an UPDATE of that row) cannot commit.
            blocker.setAutoCommit(false);
            try (PreparedStatement ps = blocker.prepareStatement(
                    "SELECT 1 FROM pgwarden.audit_session WHERE id = ? FOR UPDATE")) {
                ps.setString(1, first.session.id);
                ps.executeQuery().close();
            }
            first.end(); // queued first...
            second.statement("SELECT 3");
            second.end(); // ...committed first
            long secondLink = awaitChainEntry(second.session.id);
            assertNull(chainEntry(first.session.id), "the first session's end waits for the lock");
            blocker.commit();
            long firstLink = awaitChainEntry(first.session.id);
            assertTrue(secondLink < firstLink, "the global chain follows commit order, not queue order");
        } finally {
            writer.stop(Duration.ofSeconds(30));
        }
        assertVerifies();
    }

    @Test
    void aLaneCutOffMidFlightLeavesAPrefixThatCrashRecoveryCloses() throws Exception {
        String replica = "lanes-crash-" + UUID.randomUUID();
        AuditWriter writer = writer(2);
        Recorded cut = new Recorded(writer, replica);
        Recorded other = new Recorded(writer, replica);
        try (Connection blocker = dataSource.getConnection(); Connection admin = dataSource.getConnection()) {
            await(cut.statement("SELECT 'committed before the crash'"));
            // An uncommitted row with the next key: the lane's insert of statement 2 waits on it.
            blocker.setAutoCommit(false);
            try (PreparedStatement ps = blocker.prepareStatement("""
                    INSERT INTO pgwarden.audit_statement (session_id, seq, text, decision, started_at, finished_at,
                        byte_count, hash) VALUES (?, 2, 'placeholder', 'allowed', now(), now(), 0, 'x')""")) {
                ps.setString(1, cut.session.id);
                ps.executeUpdate();
            }
            Promise<Void> lost = cut.statement("SELECT 'in flight at the crash'");
            cut.statement("SELECT 'queued behind it'");
            await(other.statement("SELECT 'the other lane goes on'"));
            other.end();
            awaitChainEntry(other.session.id);
            assertFalse(lost.future().isComplete(), "statement 2 is still in flight");

            // The crash: the writer gives up at once, the blocked insert is cancelled, the placeholder goes.
            AuditWriter.Unwritten unwritten = writer.stop(Duration.ZERO);
            try (Statement st = admin.createStatement()) {
                st.execute("SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                        + "AND query LIKE '%audit_statement%'");
            }
            blocker.rollback();
            assertEquals(2, unwritten.statements(), "statements 2 and 3 were never written: " + unwritten);
            assertTrue(lost.future().failed(), "the client waiting for statement 2 is told");
        }
        assertEquals(1, count("SELECT count(*) FROM pgwarden.audit_statement WHERE session_id = ?", cut.session.id));

        try (Connection c = dataSource.getConnection()) {
            assertEquals(1, CrashRecovery.closeLeftOpen(c, replica), "only the session left open is closed");
            assertEquals(0, CrashRecovery.closeLeftOpen(c, replica), "and only once");
        }
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(
                "SELECT end_reason, statement_count FROM pgwarden.audit_session WHERE id = ?")) {
            ps.setString(1, cut.session.id);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                assertEquals(CrashRecovery.END_REASON, rs.getString(1));
                assertEquals(1, rs.getInt(2));
            }
        }
        assertTrue(chainEntry(cut.session.id) != null, "the closed session is in the global chain");
        assertVerifies();
    }

    @Test
    void aLaneWaitsForTheRecordOfAStatementStillRunningAndCommitsBothAtOnce() throws Exception {
        AuditWriter writer = writer(1, Duration.ofSeconds(30)); // long, so only the siblings decide
        try {
            Recorded waiting = new Recorded(writer, "lanes-test");
            Recorded running = new Recorded(writer, "lanes-test");
            await(waiting.statement("SELECT 'alone: nobody else is running, no wait'"));

            running.lane.awaitRecord(); // the other session sent a statement; its record will follow
            Promise<Void> first = waiting.statement("SELECT 'waits for its sibling'");
            Thread.sleep(300);
            assertFalse(first.future().isComplete(), "the lane holds the commit for the running statement's record");
            running.lane.recordArrived();
            Promise<Void> second = running.statement("SELECT 'the sibling'");
            await(first);
            await(second);
            assertEquals(xmin(waiting.session.id, 2), xmin(running.session.id, 1), "both records in one commit");
            waiting.end();
            running.end();
            awaitChainEntry(running.session.id);
        } finally {
            writer.stop(Duration.ofSeconds(30));
        }
        assertVerifies();
    }

    private String xmin(String sessionId, int seq) throws SQLException {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(
                "SELECT xmin::text FROM pgwarden.audit_statement WHERE session_id = ? AND seq = ?")) {
            ps.setString(1, sessionId);
            ps.setInt(2, seq);
            try (ResultSet rs = ps.executeQuery()) {
                assertTrue(rs.next(), "statement " + seq + " of " + sessionId + " is stored");
                return rs.getString(1);
            }
        }
    }

    @Test
    void aReplicaIdIsHeldByOneProcessAtATime() throws Exception {
        String id = "lease-" + UUID.randomUUID();
        try (ReplicaLease lease = ReplicaLease.acquire(dataSource, id)) {
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> ReplicaLease.acquire(dataSource, id));
            assertTrue(e.getMessage().contains("in use by another running gateway"), e.getMessage());
            ReplicaLease.acquire(dataSource, id + "-other").close();
        }
        ReplicaLease.acquire(dataSource, id).close(); // released with the first
    }

    private void assertVerifies() throws Exception {
        try (Connection c = dataSource.getConnection()) {
            ChainVerifier.Report report = ChainVerifier.verify(c);
            assertTrue(report.ok(), "the trail verifies: " + report);
        }
    }

    private static void await(Promise<Void> durable) throws Exception {
        durable.future().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    private Long chainEntry(String sessionId) throws SQLException {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(
                "SELECT seq FROM pgwarden.audit_chain WHERE session_id = ?")) {
            ps.setString(1, sessionId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : null;
            }
        }
    }

    private long awaitChainEntry(String sessionId) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            Long seq = chainEntry(sessionId);
            if (seq != null) {
                return seq;
            }
            assertTrue(System.nanoTime() < deadline, "session " + sessionId + " never reached the global chain");
            Thread.sleep(20);
        }
    }

    private int count(String sql, String arg) throws SQLException {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, arg);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }
}
