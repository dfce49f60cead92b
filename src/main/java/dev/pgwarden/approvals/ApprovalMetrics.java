package dev.pgwarden.approvals;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;

/**
 * <pre>
 * pgwarden_approvals_waiting                      sessions of this replica waiting for a decision
 * pgwarden_approvals_requested_total              requests this replica made
 * pgwarden_approvals_outcomes_total{status=...}   held sessions resumed or refused: approved, denied, expired, cancelled
 * </pre>
 */
@Singleton
public class ApprovalMetrics implements MeterBinder {
    private final LongAdder requested = new LongAdder();
    private final Map<ApprovalStatus, LongAdder> outcomes = new EnumMap<>(ApprovalStatus.class);

    @Inject
    GatewayApprovalHolds holds;

    public ApprovalMetrics() {
        for (ApprovalStatus s : ApprovalStatus.values()) {
            if (s.decided()) {
                outcomes.put(s, new LongAdder());
            }
        }
    }

    void requested() {
        requested.increment();
    }

    void outcome(ApprovalStatus status) {
        LongAdder a = outcomes.get(status);
        if (a != null) {
            a.increment();
        }
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        Gauge.builder("pgwarden.approvals.waiting", holds, GatewayApprovalHolds::waitingCount)
                .description("sessions of this replica waiting for an approval decision")
                .strongReference(true)
                .register(registry);
        FunctionCounter.builder("pgwarden.approvals.requested", requested, LongAdder::sum)
                .description("approval requests made by this replica")
                .register(registry);
        outcomes.forEach((status, count) -> FunctionCounter.builder("pgwarden.approvals.outcomes", count, LongAdder::sum)
                .description("held sessions resumed or refused, by the request's outcome")
                .tag("status", status.name().toLowerCase(java.util.Locale.ROOT))
                .register(registry));
    }
}
