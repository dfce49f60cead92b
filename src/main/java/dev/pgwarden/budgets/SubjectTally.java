package dev.pgwarden.budgets;

import java.util.concurrent.atomic.AtomicLong;

/**
 * One subject's usage of one budget as this replica sees it: what the store said at the last
 * refresh (every replica's flushed usage in the window, and what this replica flushed since), plus
 * what this replica's sessions counted since. Sessions only add to {@code pending*}, lock-free; the
 * flusher thread alone writes the rest. Readers may see an over-count for an instant while usage
 * moves from pending to settled, never an under-count.
 */
final class SubjectTally {
    final String budget;
    final String subject;
    final AtomicLong pendingRows = new AtomicLong();
    final AtomicLong pendingBytes = new AtomicLong();
    final AtomicLong pendingLookups = new AtomicLong();
    /** From the store, plus this replica's usage flushed but not yet read back. */
    volatile BudgetUsage settled = BudgetUsage.ZERO;
    /** An open approval that lifts the budget for this subject, or null. */
    volatile Grant grant;
    /** System.nanoTime() of the last use, so idle tallies can be dropped. */
    volatile long touchedAt = System.nanoTime();
    /** The hour (since the epoch, this JVM's clock) whose crossing this replica saw recorded; flusher only. */
    long crossingRecorded = Long.MIN_VALUE;

    /** An approval with a grant window covering this budget. */
    record Grant(String approvalId, java.time.Instant until) {
    }

    SubjectTally(String budget, String subject) {
        this.budget = budget;
        this.subject = subject;
    }

    void add(long rows, long bytes, long lookups) {
        touchedAt = System.nanoTime();
        if (rows != 0) {
            pendingRows.addAndGet(rows);
        }
        if (bytes != 0) {
            pendingBytes.addAndGet(bytes);
        }
        if (lookups != 0) {
            pendingLookups.addAndGet(lookups);
        }
    }

    /** Everything counted: the store's window and what is not flushed yet. */
    BudgetUsage usage() {
        BudgetUsage s = settled;
        return new BudgetUsage(s.rows() + pendingRows.get(), s.bytes() + pendingBytes.get(),
                s.lookups() + pendingLookups.get());
    }

    /** Whether everything counted has spent {@code b} (no allocation: called for every statement it covers). */
    boolean spends(dev.pgwarden.policy.Budget b) {
        BudgetUsage s = settled;
        return b.spentBy(s.rows() + pendingRows.get(), s.bytes() + pendingBytes.get(),
                s.lookups() + pendingLookups.get());
    }

    boolean hasPending() {
        return pendingRows.get() != 0 || pendingBytes.get() != 0 || pendingLookups.get() != 0;
    }
}
