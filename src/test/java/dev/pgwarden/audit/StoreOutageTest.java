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
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

import dev.pgwarden.testing.Gateway;
import dev.pgwarden.testing.GatewayTestResource;
import dev.pgwarden.testing.PostgresFixture;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * The audit store goes away while a client keeps running statements: new statements are refused
 * with 53000 (nothing runs), and once the store is back, every statement the client saw
 * acknowledged is in the trail, and the chains verify.
 */
@QuarkusTest
@QuarkusTestResource(GatewayTestResource.class)
@TestProfile(OwnStoreProfile.class)
class StoreOutageTest {

    /** A client that runs {@code SELECT <n>} for n = 1, 2, ..., reconnecting when the gateway ends its session. */
    static final class Client implements Runnable {
        final String subject = "outage-" + UUID.randomUUID();
        final Set<Integer> acknowledged = new ConcurrentSkipListSet<>();
        final Set<Integer> refused = new ConcurrentSkipListSet<>();
        final AtomicReference<SQLException> refusal = new AtomicReference<>();
        final AtomicBoolean stop = new AtomicBoolean();
        final List<String> unexpected = new ArrayList<>();

        @Override
        public void run() {
            int n = 0;
            while (!stop.get()) {
                try (Connection c = Gateway.connect(subject, "assumeMinServerVersion=9.0", "analysts");
                        Statement st = c.createStatement()) {
                    while (!stop.get()) {
                        n++;
                        try (ResultSet rs = st.executeQuery("SELECT " + n)) {
                            rs.next();
                            acknowledged.add(n);
                        } catch (SQLException e) {
                            if (c.isClosed() || !c.isValid(2)) {
                                throw e; // the session ended: reconnect
                            }
                            refused.add(n);
                            refusal.compareAndSet(null, e);
                            if (!"53000".equals(e.getSQLState())) {
                                unexpected.add(e.getSQLState() + " " + e.getMessage());
                            }
                            Thread.sleep(20);
                        }
                    }
                } catch (SQLException e) {
                    // the gateway ended the session (a record it could not commit in time) or refused the login
                    sleepQuietly(100);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }

        private static void sleepQuietly(long ms) {
            try {
                Thread.sleep(ms);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Test
    void anOutageRefusesNewStatementsAndLosesNothingAcknowledged() throws Exception {
        PostgresFixture store = OwnStoreProfile.store();
        Client client = new Client();
        Thread t = new Thread(client, "outage-client");
        t.start();
        try {
            await(() -> client.acknowledged.size() >= 20, "statements run while the store is up");
            store.stopServer();
            try {
                await(() -> client.refusal.get() != null, "a statement refused once the store is down");
                int refusedSoFar = client.refused.size();
                await(() -> client.refused.size() >= refusedSoFar + 5, "statements keep being refused");
            } finally {
                store.startServer();
            }
            int before = client.acknowledged.size();
            await(() -> client.acknowledged.size() >= before + 20, "statements run again once the store is back");
        } finally {
            client.stop.set(true);
            t.join(10_000);
        }
        SQLException refusal = client.refusal.get();
        assertEquals("53000", refusal.getSQLState());
        assertTrue(refusal.getMessage().contains("audit store is unavailable"), refusal.getMessage());
        assertEquals(List.of(), client.unexpected);

        Set<Integer> recorded = recordedNumbers(store, client.subject);
        Set<Integer> missing = new TreeSet<>(client.acknowledged);
        missing.removeAll(recorded);
        assertEquals(Set.of(), missing, "acknowledged statements missing from the trail");
        Set<Integer> ranAnyway = new TreeSet<>(client.refused);
        ranAnyway.retainAll(recorded);
        assertEquals(Set.of(), ranAnyway, "refused statements never ran, so they are not in the trail");

        try (Connection c = storeConnection(store)) {
            ChainVerifier.Report report = ChainVerifier.verify(c);
            assertTrue(report.ok(), "chains intact after the outage: " + report);
        }
    }

    private static Set<Integer> recordedNumbers(PostgresFixture store, String subject) throws SQLException {
        Set<Integer> out = new TreeSet<>();
        try (Connection c = storeConnection(store); PreparedStatement ps = c.prepareStatement("""
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

    static Connection storeConnection(PostgresFixture store) throws SQLException {
        return store.connect(PostgresFixture.STORE_DATABASE, store.superuser(), store.superuserPassword());
    }

    interface Condition {
        boolean holds() throws Exception;
    }

    static void await(Condition c, String what) throws Exception {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (!c.holds()) {
            assertTrue(System.nanoTime() < deadline, "timed out waiting for: " + what);
            Thread.sleep(20);
        }
    }
}
