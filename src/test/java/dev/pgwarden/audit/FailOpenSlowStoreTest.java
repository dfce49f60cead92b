package dev.pgwarden.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.pgwarden.testing.Gateway;
import dev.pgwarden.testing.GatewayTestResource;
import dev.pgwarden.testing.PostgresFixture;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/**
 * Fail open, a store slower than the traffic (its statement table locked for a while, so commits
 * hang while the store stays reachable) slows the clients down instead of dropping records: the
 * queue reaches its bound (where fail-open used to drop), stays near it, and once the store catches
 * up every statement a client saw acknowledged is in the trail, none dropped.
 */
@QuarkusTest
@QuarkusTestResource(GatewayTestResource.class)
@TestProfile(FailOpenSlowStoreTest.FailOpenProfile.class)
class FailOpenSlowStoreTest {
    static final int QUEUE = 20;
    static final int CLIENTS = 4;

    public static class FailOpenProfile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("pgwarden.audit.fail-closed", "false", "pgwarden.audit.queue-size", Integer.toString(QUEUE),
                    "pgwarden.audit.writers", "1");
        }
    }

    @Inject
    AuditRecording recording;

    @Test
    void aSlowStoreSlowsClientsDownAndLosesNothing() throws Exception {
        String subject = "fail-open-" + UUID.randomUUID();
        Set<Integer> acknowledged = new ConcurrentSkipListSet<>();
        List<String> errors = new ArrayList<>();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger next = new AtomicInteger();
        AtomicInteger maxQueued = new AtomicInteger();
        long droppedBefore = recording.dropped();
        List<Thread> clients = new ArrayList<>();
        for (int i = 0; i < CLIENTS; i++) {
            Thread t = new Thread(() -> {
                try (Connection c = Gateway.connect(subject, "assumeMinServerVersion=9.0", "analysts");
                        Statement st = c.createStatement()) {
                    while (!stop.get()) {
                        int n = next.incrementAndGet();
                        try (ResultSet rs = st.executeQuery("SELECT " + n)) {
                            rs.next();
                            acknowledged.add(n);
                        }
                    }
                } catch (SQLException e) {
                    synchronized (errors) {
                        errors.add(e.getSQLState() + " " + e.getMessage());
                    }
                }
            }, "fail-open-client-" + i);
            t.start();
            clients.add(t);
        }
        Thread sampler = new Thread(() -> {
            while (!stop.get()) {
                maxQueued.accumulateAndGet(recording.queued(), Math::max);
                try {
                    Thread.sleep(1);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "queue-sampler");
        sampler.start();
        try (Connection store = store()) {
            await(() -> acknowledged.size() >= 50, "statements run while the store keeps up");
            store.setAutoCommit(false);
            try (Statement s = store.createStatement()) {
                s.execute("LOCK TABLE pgwarden.audit_statement IN SHARE MODE"); // inserts wait: a slow store
            }
            await(() -> maxQueued.get() >= QUEUE, "the queue reaching its bound while the store is slow");
            Thread.sleep(500);
            store.commit();
            int before = acknowledged.size();
            await(() -> acknowledged.size() >= before + 50, "statements run again once the store catches up");
        } finally {
            stop.set(true);
            for (Thread t : clients) {
                t.join(10_000);
            }
            sampler.join(5_000);
        }
        assertEquals(List.of(), errors);
        await(() -> recording.queued() == 0, "the queue drained");
        assertEquals(droppedBefore, recording.dropped(), "no record dropped");
        assertTrue(maxQueued.get() <= QUEUE + 2 * CLIENTS, "clients waited at the bound, so the queue stayed "
                + "near it (max " + maxQueued.get() + ")");

        Set<Integer> missing = new TreeSet<>(acknowledged);
        missing.removeAll(recordedNumbers(subject));
        assertEquals(Set.of(), missing, "acknowledged statements missing from the trail");
    }

    private static Connection store() throws SQLException {
        return PostgresFixture.shared().connect(PostgresFixture.STORE_DATABASE, PostgresFixture.STORE_USER,
                PostgresFixture.STORE_PASSWORD);
    }

    private static Set<Integer> recordedNumbers(String subject) throws SQLException {
        Set<Integer> out = new TreeSet<>();
        try (Connection c = store(); PreparedStatement ps = c.prepareStatement("""
                SELECT st.text FROM pgwarden.audit_statement st JOIN pgwarden.audit_session s ON s.id = st.session_id
                WHERE s.subject = ?""")) {
            ps.setString(1, subject);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(Integer.parseInt(rs.getString(1).substring("SELECT ".length())));
                }
            }
        }
        return out;
    }

    static void await(StoreOutageTest.Condition c, String what) throws Exception {
        StoreOutageTest.await(c, what);
    }
}
