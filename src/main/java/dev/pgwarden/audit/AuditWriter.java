package dev.pgwarden.audit;

import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

import org.jboss.logging.Logger;

import dev.pgwarden.wire.PgError;
import dev.pgwarden.wire.ProtocolException;
import io.vertx.core.Future;
import io.vertx.core.Promise;

/**
 * The asynchronous, batched writer. Sessions hand it events without waiting. It runs several
 * lanes, each a thread with its own queue committing on its own store connection: a lane takes
 * whatever has queued up (up to {@link #MAX_BATCH}) and commits it in one transaction, so a commit
 * is shared by every session that queued something meanwhile (group commit), and while one lane
 * waits for its commit the others commit theirs.
 *
 * <p>Every session stays on one lane for its whole life, so its records are committed in the order
 * they were queued: after any crash the store holds a prefix of each session's chain, never a record
 * whose predecessor is missing. Different sessions' commits run in any order; the global chain is
 * appended under a row lock inside each transaction, so it follows commit order.
 *
 * <p>A failed batch is retried, never dropped, until the store takes it. The queues are bounded by
 * admission: while they hold {@code maxRecords} events or {@code maxBytes} bytes, or while the
 * store is failing, {@link #admissionError()} refuses new statements (fail closed). Statements
 * already admitted still queue their records, so nothing a client saw run is lost; their
 * acknowledgement waits for the commit, and a session whose record is not committed within
 * {@code commitTimeout} is ended without it. Fail open, nothing waits for a commit, but while the
 * queues are over their bound and the store takes records, acknowledgements wait for room
 * ({@link #whenRoom()}): a store slower than the traffic slows the clients down instead of losing
 * records. Only while the store is unreachable are records that do not fit dropped (and counted).
 */
final class AuditWriter {
    private static final Logger LOG = Logger.getLogger(AuditWriter.class);
    static final int MAX_BATCH = 2_000;
    /**
     * A lane gathers ({@link Lane#gather}) only batches smaller than this: past it a commit's fixed cost
     * is spread thin already, and waiting would only hold up a lane that is committing back to back.
     */
    static final int GATHER_BELOW = 16;
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

    /** What the writer needs from the store: a batch committed, or an exception; and a cheap liveness check. Any thread. */
    interface Store {
        void write(List<AuditEvent> batch) throws SQLException;

        boolean reachable();
    }

    /**
     * What {@link #stop} could not write, by kind; {@code acknowledged} counts the statements whose
     * client saw them acknowledged all the same (fail open only: fail closed, nobody was).
     */
    record Unwritten(int statements, int acknowledged, int sessionStarts, int sessionEnds) {
        int total() {
            return statements + sessionStarts + sessionEnds;
        }
    }

    /** Queued by {@link #stop} to wake an idle lane (an interrupt could also hit a lane inside the JDBC driver). */
    private static final AuditEvent WAKE = new AuditEvent(null) {
        @Override
        long bytes() {
            return 0;
        }
    };

    private final Store store;
    private final Lane[] lanes;
    private final AtomicInteger nextLane = new AtomicInteger();
    private final int maxRecords;
    private final long maxBytes;
    private final boolean failClosed;
    private final long commitTimeoutNanos;
    private final long gatherNanos;
    private final AtomicInteger queued = new AtomicInteger();
    private final AtomicLong queuedBytes = new AtomicLong();
    private final LongAdder written = new LongAdder();
    private final LongAdder dropped = new LongAdder();
    private final LongAdder batches = new LongAdder();
    /** Fail open: acknowledgements waiting for the queues to go under their bound. */
    private final ConcurrentLinkedQueue<Promise<Void>> roomWaiters = new ConcurrentLinkedQueue<>();
    private final AtomicInteger failingLanes = new AtomicInteger();
    private volatile boolean probeOk = true;
    /** An outage is logged once when it starts and once when it ends. */
    private final AtomicBoolean outageLogged = new AtomicBoolean();
    private volatile boolean stopping;
    private volatile long drainDeadline;

    AuditWriter(Store store, int lanes, int maxRecords, long maxBytes, boolean failClosed, Duration commitTimeout) {
        this(store, lanes, maxRecords, maxBytes, failClosed, commitTimeout, Duration.ZERO);
    }

    /**
     * @param gather how long a lane holding records waits for those of statements its sessions are
     *               running, so they share the commit (PostgreSQL's commit_delay, for the trail); 0: never
     */
    AuditWriter(Store store, int lanes, int maxRecords, long maxBytes, boolean failClosed, Duration commitTimeout,
            Duration gather) {
        if (lanes < 1) {
            throw new IllegalArgumentException("the audit writer needs at least one lane");
        }
        this.store = store;
        this.maxRecords = maxRecords;
        this.maxBytes = maxBytes;
        this.failClosed = failClosed;
        this.commitTimeoutNanos = commitTimeout.toNanos();
        this.gatherNanos = gather.toNanos();
        this.lanes = new Lane[lanes];
        for (int i = 0; i < lanes; i++) {
            this.lanes[i] = new Lane(i);
        }
    }

    void start() {
        for (Lane lane : lanes) {
            lane.thread.start();
        }
    }

    /** The lane a new session's records go to, for its whole life (round robin). */
    Lane lane() {
        return lanes[Math.floorMod(nextLane.getAndIncrement(), lanes.length)];
    }

    /** Null when a new statement may run; the reason it may not otherwise. Any thread, no lock. */
    PgError admissionError() {
        if (!storeUp()) {
            return STORE_DOWN;
        }
        if (overBound()) {
            return QUEUE_FULL;
        }
        return null;
    }

    private boolean overBound() {
        return queued.get() >= maxRecords || queuedBytes.get() >= maxBytes;
    }

    /**
     * Fail open: null when an acknowledgement may go now; otherwise a future that completes once the
     * queues are under their bound again, or the store turns out to be unreachable (then nobody waits).
     */
    Future<Void> whenRoom() {
        if (!overBound() || !storeUp() || stopping) {
            return null;
        }
        Promise<Void> p = Promise.promise();
        roomWaiters.add(p);
        if (!overBound() || !storeUp()) {
            p.tryComplete(); // a lane made room between the check and the add
        }
        return p.future();
    }

    private void releaseRoomWaiters() {
        Promise<Void> p;
        while ((p = roomWaiters.poll()) != null) {
            p.tryComplete();
        }
    }

    /**
     * Queues an event on {@code lane}. Fail closed, it always queues (admission already bounded what
     * may come). Fail open, it queues too unless the store is unreachable and the queues are full:
     * only then is the event dropped and counted.
     */
    void submit(Lane lane, AuditEvent e) {
        if (!failClosed && overBound() && !storeUp()) {
            dropped.increment();
            return;
        }
        queued.incrementAndGet();
        queuedBytes.addAndGet(e.bytes());
        lane.queue.add(e);
    }

    /** One writer thread with its own queue (and, through the store's pool, its own connection). */
    final class Lane {
        private final int index;
        private final LinkedBlockingQueue<AuditEvent> queue = new LinkedBlockingQueue<>();
        /** Sessions of this lane that sent a statement whose record is not queued yet (see {@link #gather}). */
        private final AtomicInteger awaited = new AtomicInteger();
        private final Thread thread;
        private boolean failing;
        /** The batch being written, for the count of what stop() gives up on a lane stuck in I/O. */
        private volatile List<AuditEvent> inFlight = List.of();

        private Lane(int index) {
            this.index = index;
            this.thread = new Thread(this::run, "pgwarden-audit-writer-" + index);
            thread.setDaemon(true);
        }

        private void run() {
            List<AuditEvent> batch = new ArrayList<>(MAX_BATCH);
            while (!stopping || !queue.isEmpty()) {
                AuditEvent first;
                try {
                    first = queue.poll(PROBE_MILLIS, TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    continue; // nobody interrupts this thread; the loop condition decides
                }
                if (first == null) {
                    if (index == 0 && !stopping) {
                        probe();
                    }
                    continue;
                }
                if (first == WAKE) {
                    continue; // stop() wants the loop condition checked
                }
                batch.add(first);
                queue.drainTo(batch, MAX_BATCH - 1);
                gather(batch);
                batch.remove(WAKE); // when it came behind records
                inFlight = List.copyOf(batch);
                if (!writeUntilStored(batch)) {
                    return; // shutdown gave up on the store: stop() counts inFlight and the queue as lost
                }
                inFlight = List.of();
                batch.clear();
            }
        }

        /** A session of this lane sent a statement; its record will follow. Any thread. */
        void awaitRecord() {
            awaited.incrementAndGet();
        }

        /** That statement's record is queued (or it has none). Any thread; called before the record is submitted. */
        void recordArrived() {
            awaited.decrementAndGet();
        }

        /**
         * Waits up to the gather time for the records of statements this lane's sessions are running,
         * so they go in this commit rather than the next: with clients waiting for their commits, the
         * sessions otherwise split into two cohorts, one running while the other's records commit, and
         * every statement pays half a commit more in store CPU. Stops waiting once no statement is out,
         * or the batch is big enough to be worth its commit.
         */
        private void gather(List<AuditEvent> batch) {
            if (gatherNanos <= 0 || stopping || batch.size() >= GATHER_BELOW) {
                return;
            }
            long deadline = System.nanoTime() + gatherNanos;
            while (awaited.get() > 0 && batch.size() < GATHER_BELOW) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return;
                }
                AuditEvent e;
                try {
                    e = queue.poll(left, TimeUnit.NANOSECONDS);
                } catch (InterruptedException ie) {
                    return;
                }
                if (e == null) {
                    return;
                }
                batch.add(e);
                if (e == WAKE) {
                    return; // stop() wants the loop condition checked once this batch is written
                }
                queue.drainTo(batch, MAX_BATCH - batch.size());
            }
        }

        /** @return false when shutdown gave up (the batch and this lane's queue are counted as lost) */
        private boolean writeUntilStored(List<AuditEvent> batch) {
            long backoff = 50;
            while (true) {
                try {
                    store.write(batch);
                    stored(batch);
                    return true;
                } catch (SQLException | RuntimeException e) {
                    if (!failing) {
                        failing = true;
                        failingLanes.incrementAndGet();
                    }
                    outage("write failed: " + e.getMessage());
                    releaseRoomWaiters();
                    failOverdue(batch);
                    long now = System.nanoTime();
                    if (stopping && now - drainDeadline >= 0) {
                        return false;
                    }
                    sleep(stopping ? Math.min(backoff, Math.max(1, (drainDeadline - now) / 1_000_000)) : backoff);
                    backoff = Math.min(backoff * 2, MAX_BACKOFF_MILLIS);
                }
            }
        }

        private void stored(List<AuditEvent> batch) {
            if (failing) {
                failing = false;
                failingLanes.decrementAndGet();
            }
            probeOk = true;
            if (storeUp()) {
                recovered();
            }
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
            queued.addAndGet(-batch.size());
            if (!roomWaiters.isEmpty() && !overBound()) {
                releaseRoomWaiters();
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
    }

    /** Lane 0, while idle: is the store there? (An outage then refuses statements before any write fails.) */
    private void probe() {
        probeOk = store.reachable();
        if (!probeOk) {
            outage("unreachable");
            releaseRoomWaiters();
        } else if (storeUp()) {
            recovered();
        }
    }

    private void outage(String why) {
        if (outageLogged.compareAndSet(false, true)) {
            LOG.errorf("audit store %s (%d records waiting; %s)", why, queued.get(), failClosed
                    ? "new statements are refused until it recovers"
                    : "records are kept while they fit, then dropped");
        }
    }

    private void recovered() {
        if (outageLogged.compareAndSet(true, false)) {
            LOG.infof("audit store takes records again (%d waiting)", queued.get());
        }
    }

    private void failIfOverdue(AuditEvent e, long now) {
        if (e.durable != null && now - e.queuedAtNanos > commitTimeoutNanos) {
            e.durable.tryFail(new ProtocolException("53000", "pgwarden could not record this statement in its "
                    + "audit trail in time (the audit store is unavailable); the session is closed without "
                    + "acknowledging it, although the statement may have run"));
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            // nobody interrupts the lanes; the caller checks its deadline either way
        }
    }

    /**
     * Writes what is queued, for at most {@code drain}, then stops. Whatever is still unwritten by
     * then (the store down, or stuck) is given up: counted as dropped, and anyone waiting for it is
     * told (fail closed, the client never sees those statements acknowledged). Returns within
     * {@code drain} plus a moment, whatever the store does: a lane stuck in I/O is left behind (its
     * thread is a daemon).
     */
    Unwritten stop(Duration drain) {
        drainDeadline = System.nanoTime() + drain.toNanos();
        stopping = true;
        releaseRoomWaiters();
        for (Lane lane : lanes) {
            lane.queue.add(WAKE);
        }
        for (Lane lane : lanes) {
            long left = drainDeadline - System.nanoTime();
            try {
                lane.thread.join(Math.max(1, left / 1_000_000 + 200));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        int statements = 0;
        int acknowledged = 0;
        int starts = 0;
        int ends = 0;
        for (Lane lane : lanes) {
            List<AuditEvent> lost = new ArrayList<>();
            lost.addAll(lane.inFlight); // empty unless the lane gave up or is stuck in I/O
            lane.queue.drainTo(lost);
            lost.removeIf(e -> e == WAKE);
            for (AuditEvent e : lost) {
                dropped.increment();
                if (e instanceof StatementRecord) {
                    statements++;
                    acknowledged += e.durable == null ? 1 : 0;
                } else if (e instanceof SessionRecord.Started) {
                    starts++;
                } else {
                    ends++;
                }
                if (e.durable != null) {
                    e.durable.tryFail(new ProtocolException("57P01",
                            "pgwarden is shutting down and could not record this statement in its audit trail"));
                }
            }
        }
        return new Unwritten(statements, acknowledged, starts, ends);
    }

    /** Whether the store takes records now (false while a lane's writes or the idle probe fail). */
    boolean storeUp() {
        return probeOk && failingLanes.get() == 0;
    }

    int queued() {
        return queued.get();
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
