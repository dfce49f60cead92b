package dev.pgwarden.audit;

import io.vertx.core.Promise;

/**
 * Something handed from a session's event loop to the writer thread. The queue hand-off publishes
 * the fields; after it only the writer touches the event.
 */
abstract class AuditEvent {
    /** Completed once the event is committed to the store; null when nobody waits for it. */
    final Promise<Void> durable;
    final long queuedAtNanos = System.nanoTime();

    AuditEvent(Promise<Void> durable) {
        this.durable = durable;
    }

    /** Roughly what the event holds in memory, for the queue's byte budget. */
    abstract long bytes();
}
