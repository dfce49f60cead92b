package dev.pgwarden.ops;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import dev.pgwarden.audit.AuditRecording;
import dev.pgwarden.proxy.Sessions;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;

/**
 * The gateway's own meters on {@code /q/metrics}. The proxy only bumps {@code LongAdder}s in
 * {@link Sessions} (no allocation, no lock on the hot path); Micrometer reads them when scraped.
 *
 * <pre>
 * pgwarden_sessions_open                        client sessions open now
 * pgwarden_upstream_connect_errors_total        logins that failed connecting / logging in upstream
 * pgwarden_logins_refused_total{reason=token}   bad, expired, foreign or missing token (28P01)
 * pgwarden_logins_refused_total{reason=no_role} no role mapped to the token's groups (28000)
 * pgwarden_statements_refused_total             statements refused (policy 42501, audit trail 53000)
 * pgwarden_statements_total{decision=...}       statements relayed upstream: allowed, approved (ran on an approval)
 * pgwarden_masked_rows_total                    result rows / COPY data messages rewritten to mask values
 * pgwarden_relayed_bytes_total{direction=...}   bytes from clients upstream, and from upstream to clients
 * pgwarden_statement_seconds (histogram)        Query or Sync relayed upstream to its ReadyForQuery back
 * pgwarden_audit_store_up                       1 while the audit store takes records, 0 while it fails
 * pgwarden_audit_queue_records                  records waiting for the audit store
 * pgwarden_audit_records_written_total          records committed to the audit store
 * pgwarden_audit_records_dropped_total          records lost (fail-open while the store is unreachable, or unwritable at shutdown)
 * </pre>
 */
@Singleton
public class GatewayMetrics implements MeterBinder {
    public static final String SESSIONS_OPEN = "pgwarden.sessions.open";
    public static final String UPSTREAM_CONNECT_ERRORS = "pgwarden.upstream.connect.errors";
    public static final String LOGINS_REFUSED = "pgwarden.logins.refused";
    public static final String STATEMENTS_REFUSED = "pgwarden.statements.refused";

    @Inject
    Sessions sessions;
    @Inject
    AuditRecording audit;

    @Override
    public void bindTo(MeterRegistry registry) {
        Gauge.builder(SESSIONS_OPEN, sessions, Sessions::openCount)
                .description("client sessions open")
                .strongReference(true)
                .register(registry);
        FunctionCounter.builder(UPSTREAM_CONNECT_ERRORS, sessions, Sessions::upstreamConnectErrors)
                .description("client logins that failed because the upstream database could not be reached or logged in to")
                .register(registry);
        FunctionCounter.builder(LOGINS_REFUSED, sessions, Sessions::loginsRefusedToken)
                .description("client logins refused")
                .tag("reason", "token")
                .register(registry);
        FunctionCounter.builder(LOGINS_REFUSED, sessions, Sessions::loginsRefusedNoRole)
                .description("client logins refused")
                .tag("reason", "no_role")
                .register(registry);
        FunctionCounter.builder(STATEMENTS_REFUSED, sessions, Sessions::statementsRefused)
                .description("statements refused by the policy gate or because the audit trail could not take them")
                .register(registry);
        Gauge.builder("pgwarden.audit.store.up", audit, a -> a.storeUp() ? 1 : 0)
                .description("1 while the audit store takes records")
                .strongReference(true)
                .register(registry);
        Gauge.builder("pgwarden.audit.queue.records", audit, AuditRecording::queued)
                .description("audit records waiting for the store")
                .strongReference(true)
                .register(registry);
        FunctionCounter.builder("pgwarden.audit.records.written", audit, AuditRecording::written)
                .description("audit records committed to the store")
                .register(registry);
        FunctionCounter.builder("pgwarden.audit.records.dropped", audit, AuditRecording::dropped)
                .description("audit records lost: fail-open while the store is unreachable and the queue full, or not writable at shutdown")
                .register(registry);
        FunctionCounter.builder("pgwarden.statements", sessions, Sessions::statementsAllowed)
                .description("statements relayed upstream").tag("decision", "allowed").register(registry);
        FunctionCounter.builder("pgwarden.statements", sessions, Sessions::statementsApproved)
                .description("statements relayed upstream").tag("decision", "approved").register(registry);
        FunctionCounter.builder("pgwarden.masked.rows", sessions, Sessions::rowsMasked)
                .description("result rows and COPY data messages rewritten to mask values").register(registry);
        FunctionCounter.builder("pgwarden.relayed.bytes", sessions, Sessions::bytesFromClients)
                .description("bytes relayed").tag("direction", "to_upstream").baseUnit("bytes").register(registry);
        FunctionCounter.builder("pgwarden.relayed.bytes", sessions, Sessions::bytesToClients)
                .description("bytes relayed").tag("direction", "to_client").baseUnit("bytes").register(registry);
        Timer latency = Timer.builder("pgwarden.statement")
                .description("a Query or Sync relayed upstream until its ReadyForQuery came back (includes approval holds)")
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofNanos(100_000))
                .maximumExpectedValue(Duration.ofMinutes(10))
                .register(registry);
        sessions.statementLatencyTo(nanos -> latency.record(nanos, TimeUnit.NANOSECONDS));
    }
}
