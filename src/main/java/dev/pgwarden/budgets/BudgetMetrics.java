package dev.pgwarden.budgets;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.DoubleSupplier;

import jakarta.inject.Singleton;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;

/**
 * Budget meters on {@code /q/metrics}. Labelled by budget name only (the policy bounds how many),
 * never by subject: per-subject usage is in the console and {@code /api/budgets}.
 *
 * <pre>
 * pgwarden_budget_rows_total{budget=...}          rows counted against the budget by this replica
 * pgwarden_budget_bytes_total{budget=...}         bytes of those rows
 * pgwarden_budget_lookups_total{budget=...}       equality lookups on masked columns counted
 * pgwarden_budget_holds_total{budget=...}         statements held for approval because their subject had spent it
 * pgwarden_budget_subjects{budget=...}            subjects with usage in the last hour (all replicas)
 * pgwarden_budget_subjects_over{budget=...}       of those, how many have spent it
 * pgwarden_budget_view_age_seconds                since this replica last read everyone's usage from the store
 * pgwarden_budget_store_errors_total              failed writes or reads of usage
 * pgwarden_budget_refused_total                   statements refused (53000) because that view was too old
 * </pre>
 */
@Singleton
public class BudgetMetrics implements MeterBinder {
    /** One budget's meters; the counters are bumped on event loops, the gauges set by the flusher. */
    static final class PerBudget {
        final LongAdder rows = new LongAdder();
        final LongAdder bytes = new LongAdder();
        final LongAdder lookups = new LongAdder();
        final LongAdder holds = new LongAdder();
        volatile int subjects;
        volatile int over;
        volatile boolean registered;
    }

    private final Map<String, PerBudget> budgets = new ConcurrentHashMap<>();
    final LongAdder storeErrors = new LongAdder();
    final LongAdder refused = new LongAdder();
    private volatile MeterRegistry registry;
    private volatile DoubleSupplier viewAgeSeconds = () -> Double.NaN;

    PerBudget of(String budget) {
        PerBudget p = budgets.get(budget);
        return p != null ? p : budgets.computeIfAbsent(budget, k -> new PerBudget());
    }

    /** Where the view's age comes from (NaN until the first read). */
    void viewAge(DoubleSupplier seconds) {
        this.viewAgeSeconds = seconds;
    }

    @Override
    public void bindTo(MeterRegistry r) {
        Gauge.builder("pgwarden.budget.view.age", this, m -> m.viewAgeSeconds.getAsDouble())
                .description("seconds since this replica last read every replica's budget usage from the store")
                .baseUnit("seconds")
                .strongReference(true)
                .register(r);
        FunctionCounter.builder("pgwarden.budget.store.errors", storeErrors, LongAdder::sum)
                .description("failed writes or reads of budget usage in the store").register(r);
        FunctionCounter.builder("pgwarden.budget.refused", refused, LongAdder::sum)
                .description("statements on budgeted tables refused because the view of the store was too old")
                .register(r);
        registry = r;
        registerNew();
    }

    /** Registers the meters of budgets seen since the last call (flusher thread; never on an event loop). */
    void registerNew() {
        MeterRegistry r = registry;
        if (r == null) {
            return;
        }
        budgets.forEach((name, p) -> {
            if (p.registered) {
                return;
            }
            p.registered = true;
            counter(r, "pgwarden.budget.rows", name, p.rows, "rows counted against the budget by this replica");
            counter(r, "pgwarden.budget.bytes", name, p.bytes, "bytes of rows counted against the budget");
            counter(r, "pgwarden.budget.lookups", name, p.lookups,
                    "equality lookups on masked columns counted against the budget");
            counter(r, "pgwarden.budget.holds", name, p.holds,
                    "statements held for approval because their subject had spent the budget");
            Gauge.builder("pgwarden.budget.subjects", p, x -> x.subjects).tag("budget", name)
                    .description("subjects with usage of the budget in the last hour, on every replica")
                    .strongReference(true).register(r);
            Gauge.builder("pgwarden.budget.subjects.over", p, x -> x.over).tag("budget", name)
                    .description("subjects that have spent the budget").strongReference(true).register(r);
        });
    }

    private static void counter(MeterRegistry r, String meter, String budget, LongAdder a, String description) {
        FunctionCounter.builder(meter, a, LongAdder::sum).tag("budget", budget).description(description)
                .baseUnit(meter.endsWith("bytes") ? "bytes" : null).register(r);
    }
}
