package dev.pgwarden.approvals;

import java.time.Instant;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import io.quarkus.scheduler.Scheduled;

/**
 * Expires requests nobody decided in time. The replica holding a session has its own timer; this
 * sweep catches requests whose replica went away, so their cards do not stay clickable forever.
 * Safe on every replica at once: each request expires exactly once.
 */
@ApplicationScoped
public class ApprovalExpiry {
    private static final Logger LOG = Logger.getLogger(ApprovalExpiry.class);

    @Inject
    ApprovalStore store;
    @Inject
    ApprovalAnnouncer announcer;

    @Scheduled(every = "15s", delayed = "15s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void sweep() {
        Instant now = Instant.now();
        for (String id : store.overdue(now)) {
            if (store.expire(id, now)) {
                LOG.infof("approval %s expired", id);
                announcer.announceOutcome(id);
            }
        }
    }
}
