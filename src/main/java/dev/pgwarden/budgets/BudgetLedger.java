package dev.pgwarden.budgets;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import jakarta.annotation.PostConstruct;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.interceptor.Interceptor;

import org.jboss.logging.Logger;

import dev.pgwarden.config.GatewayConfig;
import dev.pgwarden.policy.Budget;
import dev.pgwarden.policy.Policy;
import dev.pgwarden.policy.PolicyStore;
import io.agroal.api.AgroalDataSource;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.Startup;

/**
 * This replica's view of every subject's budget usage. Sessions add what their statements
 * delivered (lock-free, on their event loops); every {@code pgwarden.budgets.flush-interval} one
 * thread writes those increments to the store and reads back the window of every replica, with the
 * approvals that lift a budget for a while. Checks read only memory; when the last read of the
 * store is older than {@code pgwarden.budgets.max-staleness} the view is not {@link #current()}
 * and budgeted statements are refused.
 */
@Startup
@ApplicationScoped
public class BudgetLedger {
    private static final Logger LOG = Logger.getLogger(BudgetLedger.class);
    /** Tallies with nothing in the window and unused this long are dropped. */
    private static final long IDLE_NANOS = TimeUnit.MINUTES.toNanos(2);
    /** Old usage is removed every this many refreshes. */
    private static final int CLEANUP_EVERY = 60;

    @Inject
    GatewayConfig config;
    @Inject
    AgroalDataSource dataSource;
    @Inject
    PolicyStore policy;
    @Inject
    BudgetMetrics metrics;

    /** budget name -> subject -> tally. */
    private final Map<String, Map<String, SubjectTally>> tallies = new ConcurrentHashMap<>();
    private BudgetStore store;
    private ScheduledExecutorService flusher;
    /** System.nanoTime() when the last successful read of the store was sent; 0: never. */
    private volatile long refreshedAt;
    private long maxStalenessNanos;
    private int refreshes;
    private boolean storeFailing;

    @PostConstruct
    void start() {
        GatewayConfig.Budgets b = config.budgets();
        if (b.flushInterval().isNegative() || b.flushInterval().isZero()
                || b.maxStaleness().compareTo(b.flushInterval()) < 0) {
            throw new IllegalArgumentException("pgwarden.budgets.flush-interval must be positive and "
                    + "pgwarden.budgets.max-staleness at least as long");
        }
        maxStalenessNanos = b.maxStaleness().toNanos();
        store = new BudgetStore(dataSource);
        metrics.viewAge(() -> {
            long at = refreshedAt;
            return at == 0 ? Double.NaN : (System.nanoTime() - at) / 1e9;
        });
        flusher = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "pgwarden-budgets");
            t.setDaemon(true);
            return t;
        });
        flushQuietly(); // read once now: the first budgeted statements are not refused for want of a view
        long every = b.flushInterval().toMillis();
        flusher.scheduleWithFixedDelay(this::flushQuietly, every, every, TimeUnit.MILLISECONDS);
    }

    /**
     * After the listener has ended its sessions (so their last statements are counted) and while the
     * store's pool is still open: one last flush, so other replicas still see this one's usage.
     */
    void stop(@Observes @Priority(Interceptor.Priority.LIBRARY_AFTER + 1000) ShutdownEvent ev) {
        flusher.shutdown();
        try {
            if (flusher.awaitTermination(5, TimeUnit.SECONDS)) {
                flush(); // what the last statements counted, so other replicas still see it
            }
        } catch (Exception e) {
            LOG.warnf("budget usage counted since the last flush is lost: %s", e.toString());
        }
    }

    /** Whether the view is recent enough to decide on. */
    public boolean current() {
        long at = refreshedAt;
        return at != 0 && System.nanoTime() - at <= maxStalenessNanos;
    }

    /** How old the view is, for messages; null when the store was never read. */
    Duration age() {
        long at = refreshedAt;
        return at == 0 ? null : Duration.ofNanos(System.nanoTime() - at);
    }

    Duration maxStaleness() {
        return Duration.ofNanos(maxStalenessNanos);
    }

    /** The tally of {@code subject} under {@code budget}, or null when it has none (nothing used). */
    SubjectTally find(String budget, String subject) {
        Map<String, SubjectTally> bySubject = tallies.get(budget);
        return bySubject == null ? null : bySubject.get(subject);
    }

    /** Counts usage (any thread). */
    void add(String budget, String subject, long rows, long bytes, long lookups) {
        tally(budget, subject).add(rows, bytes, lookups);
        BudgetMetrics.PerBudget m = metrics.of(budget);
        m.rows.add(rows);
        m.bytes.add(bytes);
        m.lookups.add(lookups);
    }

    private SubjectTally tally(String budget, String subject) {
        Map<String, SubjectTally> bySubject = tallies.get(budget);
        if (bySubject == null) {
            bySubject = tallies.computeIfAbsent(budget, k -> new ConcurrentHashMap<>());
        }
        SubjectTally t = bySubject.get(subject);
        return t != null ? t : bySubject.computeIfAbsent(subject, s -> new SubjectTally(budget, s));
    }

    /** Every tally with usage or a grant, for the API and console. */
    List<SubjectTally> snapshot() {
        List<SubjectTally> out = new ArrayList<>();
        tallies.values().forEach(m -> out.addAll(m.values()));
        return out;
    }

    BudgetStore store() {
        return store;
    }

    private void flushQuietly() {
        try {
            flush();
        } catch (Throwable t) {
            metrics.storeErrors.increment();
            dataSource.flush(AgroalDataSource.FlushMode.INVALID); // no dead connection for the next attempt
            if (!storeFailing) {
                storeFailing = true;
                LOG.warnf("budget usage could not be written to or read from the store (retrying every %s; "
                        + "budgeted statements are refused once the view is older than %s): %s",
                        config.budgets().flushInterval(), maxStaleness(), t.toString());
            }
        }
    }

    /** Writes this replica's increments, then reads back every replica's window. Flusher thread. */
    synchronized void flush() throws Exception {
        List<SubjectTally> taken = new ArrayList<>();
        List<BudgetUsage> amounts = new ArrayList<>();
        for (Map<String, SubjectTally> bySubject : tallies.values()) {
            for (SubjectTally t : bySubject.values()) {
                if (t.hasPending()) {
                    BudgetUsage u = new BudgetUsage(t.pendingRows.get(), t.pendingBytes.get(), t.pendingLookups.get());
                    // Settled first, then out of pending: a check in between over-counts, never under-counts.
                    t.settled = t.settled.plus(u.rows(), u.bytes(), u.lookups());
                    t.pendingRows.addAndGet(-u.rows());
                    t.pendingBytes.addAndGet(-u.bytes());
                    t.pendingLookups.addAndGet(-u.lookups());
                    taken.add(t);
                    amounts.add(u);
                }
            }
        }
        if (!taken.isEmpty()) {
            try {
                write(taken, amounts);
            } catch (Exception e) {
                for (int i = 0; i < taken.size(); i++) { // back to pending, for the next attempt
                    SubjectTally t = taken.get(i);
                    BudgetUsage u = amounts.get(i);
                    t.add(u.rows(), u.bytes(), u.lookups());
                    t.settled = t.settled.plus(-u.rows(), -u.bytes(), -u.lookups());
                }
                throw e;
            }
        }
        long readAt = System.nanoTime();
        BudgetStore.Window window = store.window(Instant.now());
        settle(window);
        refreshedAt = readAt;
        if (storeFailing) {
            storeFailing = false;
            LOG.info("budget usage is read from the store again");
        }
        recordCrossings();
        metrics.registerNew();
        if (++refreshes % CLEANUP_EVERY == 0) {
            store.removeOld(config.audit().retentionDays());
        }
    }

    private void write(List<SubjectTally> taken, List<BudgetUsage> amounts) throws Exception {
        int n = taken.size();
        List<String> budgets = new ArrayList<>(n);
        List<String> subjects = new ArrayList<>(n);
        long[] rows = new long[n];
        long[] bytes = new long[n];
        long[] lookups = new long[n];
        for (int i = 0; i < n; i++) {
            budgets.add(taken.get(i).budget);
            subjects.add(taken.get(i).subject);
            rows[i] = amounts.get(i).rows();
            bytes[i] = amounts.get(i).bytes();
            lookups[i] = amounts.get(i).lookups();
        }
        store.add(budgets, subjects, rows, bytes, lookups);
    }

    /** The store's window replaces what was settled; grants are attached; idle tallies go. */
    private void settle(BudgetStore.Window window) {
        Map<String, Map<String, BudgetUsage>> stored = BudgetStore.bySubject(window.rows());
        Map<String, Map<String, SubjectTally.Grant>> grants = new HashMap<>();
        for (BudgetStore.OpenGrant g : window.grants()) {
            Map<String, SubjectTally.Grant> bySubject = grants.computeIfAbsent(g.budget(), k -> new HashMap<>());
            SubjectTally.Grant existing = bySubject.get(g.subject());
            if (existing == null || existing.until().isBefore(g.until())) { // the longest open grant counts
                bySubject.put(g.subject(), new SubjectTally.Grant(g.approvalId(), g.until()));
            }
        }
        stored.forEach((budget, bySubject) -> bySubject.forEach((subject, u) -> tally(budget, subject)));
        grants.forEach((budget, bySubject) -> bySubject.forEach((subject, g) -> tally(budget, subject)));
        long now = System.nanoTime();
        for (Map.Entry<String, Map<String, SubjectTally>> e : tallies.entrySet()) {
            Map<String, BudgetUsage> s = stored.getOrDefault(e.getKey(), Map.of());
            Map<String, SubjectTally.Grant> g = grants.getOrDefault(e.getKey(), Map.of());
            for (Iterator<SubjectTally> it = e.getValue().values().iterator(); it.hasNext();) {
                SubjectTally t = it.next();
                t.settled = s.getOrDefault(t.subject, BudgetUsage.ZERO);
                t.grant = g.get(t.subject);
                if (t.settled.isZero() && t.grant == null && !t.hasPending() && now - t.touchedAt > IDLE_NANOS) {
                    it.remove();
                }
            }
        }
        Policy p = policy.current();
        for (Budget b : p.budgets()) {
            BudgetMetrics.PerBudget m = metrics.of(b.name());
            Map<String, SubjectTally> bySubject = tallies.getOrDefault(b.name(), Map.of());
            int over = 0;
            int subjects = 0;
            for (SubjectTally t : bySubject.values()) {
                if (!t.settled.isZero()) {
                    subjects++;
                    if (t.spends(b)) {
                        over++;
                    }
                }
            }
            m.subjects = subjects;
            m.over = over;
        }
    }

    /**
     * Subjects the window shows over a budget get a crossing record (and an audit chain entry), once
     * per budget, subject and clock hour whichever replica sees it first.
     */
    private void recordCrossings() {
        Policy p = policy.current();
        if (p.budgets().isEmpty()) {
            return;
        }
        long hour = Instant.now().getEpochSecond() / 3600;
        for (Budget b : p.budgets()) {
            Map<String, SubjectTally> bySubject = tallies.get(b.name());
            if (bySubject == null) {
                continue;
            }
            for (SubjectTally t : bySubject.values()) {
                BudgetUsage u = t.settled;
                if (t.crossingRecorded == hour || !b.spentBy(u.rows(), u.bytes(), u.lookups())) {
                    continue;
                }
                try {
                    store.recordCrossing(b, t.subject, u, p.version(), config.audit().enabled());
                    t.crossingRecorded = hour;
                } catch (Exception e) {
                    metrics.storeErrors.increment();
                    LOG.warnf("budget %s: the crossing of %s could not be recorded (retried next time): %s",
                            b.name(), t.subject, e.toString());
                }
            }
        }
    }
}
