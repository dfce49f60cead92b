package dev.pgwarden.audit;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Optional;

import javax.sql.DataSource;

import org.jboss.logging.Logger;

/**
 * This replica's id, held for as long as the process runs: a session-level advisory lock in the
 * store, on a connection kept for that purpose. A second running process with the same id cannot
 * take it and refuses to start, so crash recovery ({@link CrashRecovery}) never closes the sessions
 * of a replica that is alive. A process that dies loses its connection, and with it the lock.
 */
final class ReplicaLease implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(ReplicaLease.class);
    /** 64 bits of the id's MD5, so different ids practically never share a lock. */
    private static final String TRY_LOCK =
            "SELECT pg_try_advisory_lock(('x' || left(md5('pgwarden.audit.replica:' || ?), 16))::bit(64)::bigint)";

    private final DataSource dataSource;
    private final String replicaId;
    private Connection held;

    private ReplicaLease(DataSource dataSource, String replicaId) {
        this.dataSource = dataSource;
        this.replicaId = replicaId;
    }

    /** The configured id, or {@code <host name>:<listen port>}: stable across restarts, distinct per replica. */
    static String replicaId(Optional<String> configured, int listenPort) {
        if (configured.isPresent() && !configured.get().isBlank()) {
            return configured.get().strip();
        }
        return hostName() + ":" + listenPort;
    }

    private static String hostName() {
        String env = System.getenv("HOSTNAME"); // containers: the pod or container name
        if (env != null && !env.isBlank()) {
            return env.strip();
        }
        try {
            String etc = Files.readString(Path.of("/etc/hostname")).strip();
            if (!etc.isEmpty()) {
                return etc;
            }
        } catch (Exception e) {
            // not Linux, or unreadable
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "localhost";
        }
    }

    /**
     * Takes the id.
     *
     * @throws IllegalStateException when another running process holds it
     */
    static ReplicaLease acquire(DataSource dataSource, String replicaId) throws SQLException {
        ReplicaLease lease = new ReplicaLease(dataSource, replicaId);
        if (!lease.tryLock()) {
            throw new IllegalStateException("pgwarden.audit.replica-id '" + replicaId + "' is in use by another "
                    + "running gateway sharing this store; give every replica its own id (it must stay the same "
                    + "across restarts of that replica)");
        }
        return lease;
    }

    private boolean tryLock() throws SQLException {
        Connection c = dataSource.getConnection();
        try (PreparedStatement ps = c.prepareStatement(TRY_LOCK)) {
            ps.setString(1, replicaId);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                if (!rs.getBoolean(1)) {
                    c.close();
                    return false;
                }
            }
        } catch (SQLException | RuntimeException e) {
            c.close();
            throw e;
        }
        held = c;
        return true;
    }

    /** Takes the lock again after the store connection was lost (the store restarted, say). */
    synchronized void keep() {
        try {
            if (held != null && held.isValid(2)) {
                return;
            }
            closeQuietly();
            if (!tryLock()) {
                LOG.errorf("pgwarden.audit.replica-id '%s' was taken by another running gateway while the store "
                        + "connection was down: two replicas share one id; give each its own", replicaId);
            } else {
                LOG.infof("replica id '%s' held again after the store connection was lost", replicaId);
            }
        } catch (SQLException e) {
            LOG.debugf("replica id lease not renewed yet: %s", e.getMessage());
        }
    }

    String replicaId() {
        return replicaId;
    }

    @Override
    public synchronized void close() {
        if (held != null) {
            // A pooled connection outlives us, and a session-level lock with it: release it first
            // (isValid bounds the wait when the store has gone away).
            try (var s = held.createStatement()) {
                if (held.isValid(1)) {
                    s.execute("SELECT pg_advisory_unlock_all()");
                }
            } catch (SQLException ignored) {
                // the connection is gone, and the lock with it
            }
        }
        closeQuietly();
    }

    private void closeQuietly() {
        if (held != null) {
            try {
                held.close();
            } catch (SQLException ignored) {
                // gone already
            }
            held = null;
        }
    }
}
