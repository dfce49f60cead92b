package dev.pgwarden.audit;

import java.sql.Connection;
import java.sql.SQLException;

import jakarta.annotation.PostConstruct;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.interceptor.Interceptor;

import org.jboss.logging.Logger;

import dev.pgwarden.config.GatewayConfig;
import dev.pgwarden.masking.ContentDetectors;
import dev.pgwarden.policy.PolicyStore;
import dev.pgwarden.proxy.SessionInfo;
import dev.pgwarden.proxy.SessionRecorder;
import io.agroal.api.AgroalDataSource;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.Startup;
import io.quarkus.scheduler.Scheduled;

/**
 * Gives every session a recorder writing to the gateway's store (unless recording is disabled).
 * At start it takes this replica's id and closes the sessions the replica left open when its
 * process last died; at shutdown it drains the writer for a bounded time.
 */
@Startup // the writer runs (and bad settings fail) from the start, not from the first session
@ApplicationScoped
public class AuditRecording implements SessionRecorder.Factory {
    private static final Logger LOG = Logger.getLogger(AuditRecording.class);

    @Inject
    GatewayConfig config;
    @Inject
    AgroalDataSource dataSource;
    @Inject
    PolicyStore policy;

    private AuditWriter writer;
    private ReplicaLease lease;

    // Runs before the listener opens: GatewayServer asks for this factory first.
    @PostConstruct
    void start() {
        GatewayConfig.Audit audit = config.audit();
        if (!audit.enabled()) {
            LOG.warn("audit recording is disabled (pgwarden.audit.enabled=false): sessions leave no trail");
            return;
        }
        if (audit.captureRows() < 0 || audit.captureBytes() < 0 || audit.queueSize() < 1 || audit.queueBytes() < 1
                || audit.writers() < 1 || audit.gatherWait().isNegative()) {
            throw new IllegalArgumentException(
                    "pgwarden.audit capture caps and gather-wait must be >= 0, queue limits and writers >= 1");
        }
        String replicaId = ReplicaLease.replicaId(audit.replicaId(), config.listen().port());
        try {
            lease = ReplicaLease.acquire(dataSource, replicaId);
            try (Connection c = dataSource.getConnection()) {
                int closed = CrashRecovery.closeLeftOpen(c, replicaId);
                if (closed > 0) {
                    LOG.warnf("audit trail: closed %d session(s) that replica '%s' left open when it last stopped "
                            + "(end reason '%s')", closed, replicaId, CrashRecovery.END_REASON);
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot recover the audit trail of replica '" + replicaId + "': "
                    + e.getMessage(), e);
        }
        AuditStore store = new AuditStore(dataSource, new RecordRenderer(ContentDetectors.all()),
                () -> dataSource.flush(AgroalDataSource.FlushMode.INVALID));
        writer = new AuditWriter(store, audit.writers(), audit.queueSize(), audit.queueBytes(), audit.failClosed(),
                audit.commitTimeout(), audit.gatherWait());
        writer.start();
        LOG.infof("audit trail: replica '%s', %d writer lanes, fail-%s", replicaId, audit.writers(),
                audit.failClosed() ? "closed" : "open");
    }

    @Override
    public SessionRecorder open(SessionInfo session) {
        if (writer == null) {
            return SessionRecorder.NONE;
        }
        GatewayConfig.Audit audit = config.audit();
        return new RecordingSession(session, lease.replicaId(), writer, () -> policy.current().version(),
                audit.captureRows(), audit.captureBytes(), audit.failClosed());
    }

    @Scheduled(every = "5s", delayed = "5s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void keepLease() {
        if (lease != null) {
            lease.keep();
        }
    }

    /** Whether the store takes records now (false while it is failing). */
    public boolean storeUp() {
        return writer == null || writer.storeUp();
    }

    /** Records waiting for the store. */
    public int queued() {
        return writer == null ? 0 : writer.queued();
    }

    public long written() {
        return writer == null ? 0 : writer.written();
    }

    /** Records dropped (fail open while the store is unreachable, or unwritable at shutdown). */
    public long dropped() {
        return writer == null ? 0 : writer.dropped();
    }

    /** After the listener has ended its sessions (their end records are queued), write what is left. */
    void stop(@Observes @Priority(Interceptor.Priority.LIBRARY_AFTER + 1000) ShutdownEvent ev) {
        if (writer == null) {
            return;
        }
        AuditWriter.Unwritten lost = writer.stop(config.audit().shutdownDrain());
        if (lost.total() > 0) {
            LOG.errorf("audit trail: %d record(s) could not be written before shutdown (the store did not take them "
                    + "within pgwarden.audit.shutdown-drain %s): %d statement(s), of which %d the client saw "
                    + "acknowledged (fail-open only), %d session start(s), %d session end(s). Sessions left "
                    + "open are closed as '%s' when this replica starts again.", lost.total(),
                    config.audit().shutdownDrain(), lost.statements(), lost.acknowledged(), lost.sessionStarts(),
                    lost.sessionEnds(), CrashRecovery.END_REASON);
        }
        lease.close();
    }
}
