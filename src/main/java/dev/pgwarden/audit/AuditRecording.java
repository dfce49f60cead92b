package dev.pgwarden.audit;

import java.time.Duration;

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

/** Gives every session a recorder writing to the gateway's store (unless recording is disabled). */
@Startup // the writer runs (and bad settings fail) from the start, not from the first session
@ApplicationScoped
public class AuditRecording implements SessionRecorder.Factory {
    private static final Logger LOG = Logger.getLogger(AuditRecording.class);
    /** At shutdown, how long queued records may take to reach the store. */
    private static final Duration DRAIN_GRACE = Duration.ofSeconds(10);

    @Inject
    GatewayConfig config;
    @Inject
    AgroalDataSource dataSource;
    @Inject
    PolicyStore policy;

    private AuditWriter writer;

    @PostConstruct
    void start() {
        GatewayConfig.Audit audit = config.audit();
        if (!audit.enabled()) {
            LOG.warn("audit recording is disabled (pgwarden.audit.enabled=false): sessions leave no trail");
            return;
        }
        if (audit.captureRows() < 0 || audit.captureBytes() < 0 || audit.queueSize() < 1 || audit.queueBytes() < 1) {
            throw new IllegalArgumentException("pgwarden.audit capture caps must be >= 0 and queue limits >= 1");
        }
        AuditStore store = new AuditStore(dataSource, new RecordRenderer(ContentDetectors.all()),
                () -> dataSource.flush(AgroalDataSource.FlushMode.INVALID));
        writer = new AuditWriter(store, audit.queueSize(), audit.queueBytes(), audit.failClosed(),
                audit.commitTimeout());
        writer.start();
    }

    @Override
    public SessionRecorder open(SessionInfo session) {
        if (writer == null) {
            return SessionRecorder.NONE;
        }
        GatewayConfig.Audit audit = config.audit();
        return new RecordingSession(session, writer, () -> policy.current().version(), audit.captureRows(),
                audit.captureBytes(), audit.failClosed());
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

    /** Records dropped (fail-open only, or unwritable at shutdown). */
    public long dropped() {
        return writer == null ? 0 : writer.dropped();
    }

    /** After the listener has ended its sessions (their end records are queued), write what is left. */
    void stop(@Observes @Priority(Interceptor.Priority.LIBRARY_AFTER + 1000) ShutdownEvent ev) {
        if (writer != null) {
            writer.stop(DRAIN_GRACE);
        }
    }
}
