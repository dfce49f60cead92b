package dev.pgwarden.approvals;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;

/**
 * Listens on the store for {@code NOTIFY pgwarden_approvals}: a decision made on any replica
 * reaches the one holding the session within a round trip. A dedicated connection (not one of the
 * pool's) because LISTEN belongs to a session. Notifications can be lost while the connection is
 * down, so the ids this replica waits on are also re-checked every few seconds and after every
 * reconnect: NOTIFY gives the latency, the re-check the guarantee.
 */
@ApplicationScoped
public class ApprovalNotifications {
    private static final Logger LOG = Logger.getLogger(ApprovalNotifications.class);
    private static final int POLL_MILLIS = 500;
    private static final long RECHECK_MILLIS = 5_000;

    @Inject
    GatewayApprovalHolds holds;
    @Inject
    ApprovalStore store;
    @ConfigProperty(name = "quarkus.datasource.jdbc.url")
    String url;
    @ConfigProperty(name = "quarkus.datasource.username")
    Optional<String> user;
    @ConfigProperty(name = "quarkus.datasource.password")
    Optional<String> password;

    private volatile boolean running;
    private Thread thread;

    void onStart(@Observes StartupEvent ev) {
        running = true;
        thread = new Thread(this::run, "pgwarden-approval-listener");
        thread.setDaemon(true);
        thread.start();
    }

    void onStop(@Observes ShutdownEvent ev) throws InterruptedException {
        running = false;
        if (thread != null) {
            thread.interrupt();
            thread.join(2_000);
        }
    }

    private void run() {
        long backoff = 250;
        while (running) {
            try (Connection c = connect()) {
                try (Statement s = c.createStatement()) {
                    s.execute("LISTEN " + ApprovalStore.CHANNEL);
                }
                backoff = 250;
                recheck(); // anything decided while we were not listening
                listen(c.unwrap(PGConnection.class));
            } catch (SQLException | RuntimeException e) {
                if (!running) {
                    return;
                }
                LOG.warnf("approval notifications: store connection lost (%s); retrying", e.getMessage());
            }
            try {
                Thread.sleep(backoff);
            } catch (InterruptedException e) {
                return;
            }
            backoff = Math.min(backoff * 2, 5_000);
        }
    }

    private void listen(PGConnection pg) throws SQLException {
        long nextRecheck = System.currentTimeMillis() + RECHECK_MILLIS;
        while (running) {
            PGNotification[] notes = pg.getNotifications(POLL_MILLIS);
            if (notes != null) {
                for (PGNotification n : notes) {
                    holds.changed(n.getParameter());
                }
            }
            if (System.currentTimeMillis() >= nextRecheck) {
                recheck();
                nextRecheck = System.currentTimeMillis() + RECHECK_MILLIS;
            }
        }
    }

    private void recheck() {
        Set<String> ids = holds.waitingIds();
        if (!ids.isEmpty()) {
            store.decidedAmong(ids).forEach(holds::changed);
        }
    }

    private Connection connect() throws SQLException {
        Properties props = new Properties();
        user.ifPresent(u -> props.setProperty("user", u));
        password.ifPresent(p -> props.setProperty("password", p));
        props.setProperty("ApplicationName", "pgwarden-approvals");
        props.setProperty("tcpKeepAlive", "true");
        Connection c = new org.postgresql.Driver().connect(url, props);
        if (c == null) {
            throw new SQLException("not a PostgreSQL JDBC URL: the approvals store must be PostgreSQL");
        }
        return c;
    }
}
