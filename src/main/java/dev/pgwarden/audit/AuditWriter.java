package dev.pgwarden.audit;

import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

import org.jboss.logging.Logger;

import dev.pgwarden.wire.PgError;
import dev.pgwarden.wire.ProtocolException;

/**
 * The asynchronous, batched writer: sessions hand it events without waiting; one thread takes
 * whatever has queued up (up to {@link #MAX_BATCH}) and commits it in one transaction, so the cost
 * of a commit is shared by every session that queued something meanwhile (group commit). A failed
 * batch is retried, never dropped, until the store takes it.
 *
 * <p>The queue is bounded by admission: while it holds {@code maxRecords} events or
 * {@code maxBytes} bytes, or while the store is failing, {@link #admissionError()} refuses new
 * statements (fail closed). Statements already admitted still queue their records, so nothing a
 * client saw run is lost; their acknowledgement waits for the commit, and a session whose record
 * is not committed within {@code commitTimeout} is ended without it.
 */
final class AuditWriter {
    private static final Logger LOG = Logger.getLogger(AuditWriter.class);
    static final int MAX_BATCH = 2_000;
    /** While nothing is queued, the store is probed this often, so an outage refuses statements promptly. */
    private static final long PROBE_MILLIS = 500;
    private static final long MAX_BACKOFF_MILLIS = 2_000;

    static final PgError STORE_DOWN = PgError.error("53000",
            "pgwarden cannot record statements in its audit trail right now (the audit store is unavailable), "
                    + "so this statement was refused")
            .withHint("retry when the audit store is back; nothing was run");
    static final PgError QUEUE_FULL = PgError.error("53000",
            "pgwarden's audit trail is behind (its write queue is full), so this statement was refused")
            .withHint("retry in a moment; nothing was run");

    /** What the writer needs from the store: a batch committed, or an exception; and a cheap liveness check. */
    interface Store {
        void write(List<AuditEvent> batch) throws SQLException;

        boolean reachable();
    }

    private final Store store;
    private final int maxRecords;
    private final long maxBytes;
    private final boolean failClosed;
    private final long commitTimeoutNanos;
    private final LinkedBlockingQueue<AuditEvent> queue = new LinkedBlockingQueue<>();
    private final AtomicLong queuedBytes = new AtomicLong();
    private final LongAdder written = new LongAdder();
    private final LongAdder dropped = new LongAdder();
    private final LongAdder batches = new LongAdder();
    private final Thread thread;
    private volatile boolean storeUp = true;
    private volatile boolean stopping;
    private volatile long drainDeadline;

    AuditWriter(Store store, int maxRecords, long maxBytes, boolean failClosed, Duration commitTimeout) {
        this.store = store;
        this.maxRecords = maxRecords;
        this.maxBytes = maxBytes;
        this.failClosed = failClosed;
        this.commitTimeoutNanos = commitTimeout.toNanos();
        this.thread = new Thread(this::run, "pgwarden-audit-writer");
        thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    /** Null when a new statement may run; the reason it may not otherwise. Any thread, no lock. */
    PgError admissionError() {
        if (!storeUp) {
            return STORE_DOWN;
        }
        if (queue.size() >= maxRecords || queuedBytes.get() >= maxBytes) {
            return QUEUE_FULL;
        }
        return null;
    }

    /**
     * Queues an event. Fail closed, it always queues (admission already bounded what may come);
     * fail open, an event that does not fit is dropped and counted.
     */
    void submit(AuditEvent e) {
        if (!failClosed && (queue.size() >= maxRecords || queuedBytes.get() >= maxBytes || stopping)) {
            dropped.increment();
            return;
        }
        queuedBytes.addAndGet(e.bytes());
        queue.add(e);
    }

    private void run() {
        List<AuditEvent> batch = new ArrayList<>(MAX_BATCH);
        while (!stopping || !queue.isEmpty()) {
            AuditEvent first;
            try {
                first = queue.poll(PROBE_MILLIS, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                continue; // stop() interrupts to hurry the drain; the loop condition decides
            }
            if (first == null) {
                if (!stopping) {
                    storeUp = store.reachable();
                }
                continue;
            }
            batch.add(first);
            queue.drainTo(batch, MAX_BATCH - 1);
            writeUntilStored(batch);
            batch.clear();
        }
    }

    private void writeUntilStored(List<AuditEvent> batch) {
        long backoff = 50;
        while (true) {
            try {
                store.write(batch);
                storeUp = true;
                written.add(batch.size());
                batches.increment();
                long bytes = 0;
                for (AuditEvent e : batch) {
                    bytes += e.bytes();
                    if (e.durable != null) {
                        e.durable.tryComplete();
                    }
                }
                queuedBytes.addAndGet(-bytes);
                return;
            } catch (SQLException | RuntimeException e) {
                if (storeUp) {
                    LOG.errorf("audit store write failed (%d records waiting; %s): %s", batch.size() + queue.size(),
                            failClosed ? "new statements are refused until it recovers" : "records are kept while they fit",
                            e.getMessage());
                }
                storeUp = false;
                failOverdue(batch);
                if (stopping && System.nanoTime() > drainDeadline) {
                    LOG.errorf("audit store still failing at shutdown: %d records were not written", batch.size()
                            + queue.size());
                    batch.forEach(this::giveUp);
                    queue.forEach(this::giveUp);
                    queue.clear();
                    return;
                }
                sleep(backoff);
                backoff = Math.min(backoff * 2, MAX_BACKOFF_MILLIS);
            }
        }
    }

    /**
     * Clients waiting longer than the commit timeout are let go without their acknowledgement (the
     * session ends); the records stay queued and are written once the store is back.
     */
    private void failOverdue(List<AuditEvent> batch) {
        long now = System.nanoTime();
        for (AuditEvent e : batch) {
            failIfOverdue(e, now);
        }
        for (AuditEvent e : queue) {
            failIfOverdue(e, now);
        }
    }

    private void failIfOverdue(AuditEvent e, long now) {
        if (e.durable != null && now - e.queuedAtNanos > commitTimeoutNanos) {
            e.durable.tryFail(new ProtocolException("53000", "pgwarden could not record this statement in its "
                    + "audit trail in time (the audit store is unavailable); the session is closed without "
                    + "acknowledging it, although the statement may have run"));
        }
    }

    private void giveUp(AuditEvent e) {
        dropped.increment();
        if (e.durable != null) {
            e.durable.tryFail(new ProtocolException("57P01", "pgwarden is shutting down and could not record this "
                    + "statement in its audit trail"));
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            // nobody interrupts this thread to stop it: stop() sets a deadline instead
        }
    }

    /** Writes what is queued (retrying until {@code grace} runs out), then stops the thread. */
    void stop(Duration grace) {
        drainDeadline = System.nanoTime() + grace.toNanos();
        stopping = true;
        try {
            thread.join(grace.toMillis() + 1_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    boolean storeUp() {
        return storeUp;
    }

    int queued() {
        return queue.size();
    }

    long written() {
        return written.sum();
    }

    long dropped() {
        return dropped.sum();
    }

    long batches() {
        return batches.sum();
    }
}
