package dev.pgwarden.approvals;

import java.time.Duration;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import org.jboss.logging.Logger;

/**
 * Posting or updating a card in a channel that is down (Slack answering 500s or timing out), again
 * and again: after 1 s, then twice as long each time up to {@code maxBackoff}, until it works, until
 * {@code retryFor} has passed since the first attempt, or until it is no longer wanted (a request
 * decided in the console needs no card to click). Attempts run on the executor, never on the caller.
 */
final class CardRetry {
    private static final Logger LOG = Logger.getLogger(CardRetry.class);
    private static final Duration FIRST_BACKOFF = Duration.ofSeconds(1);

    /** One try; throws when the channel failed. */
    interface Attempt {
        void run() throws Exception;
    }

    private final ScheduledExecutorService executor;
    private final Duration retryFor;
    private final Duration maxBackoff;

    CardRetry(ScheduledExecutorService executor, Duration retryFor, Duration maxBackoff) {
        this.executor = executor;
        this.retryFor = retryFor;
        this.maxBackoff = maxBackoff;
    }

    /**
     * @param what   for the log, e.g. "approval apr-x: post to slack" (no secrets)
     * @param wanted asked before every retry (not before the first attempt)
     */
    void run(String what, Attempt attempt, BooleanSupplier wanted) {
        long giveUpAt = System.nanoTime() + retryFor.toNanos();
        submit(() -> attempt(what, attempt, wanted, 1, giveUpAt), 0);
    }

    /** The wait before retry number {@code retry} (1 = the first retry). */
    Duration backoff(int retry) {
        Duration d = FIRST_BACKOFF.compareTo(maxBackoff) < 0 ? FIRST_BACKOFF : maxBackoff;
        for (int i = 1; i < retry && d.compareTo(maxBackoff) < 0; i++) {
            d = d.multipliedBy(2);
        }
        return d.compareTo(maxBackoff) < 0 ? d : maxBackoff;
    }

    private void attempt(String what, Attempt attempt, BooleanSupplier wanted, int number, long giveUpAt) {
        if (number > 1 && !wanted.getAsBoolean()) {
            LOG.infof("%s: no longer needed after %d failed attempt(s)", what, number - 1);
            return;
        }
        try {
            attempt.run();
            if (number > 1) {
                LOG.infof("%s: done at attempt %d", what, number);
            }
        } catch (Exception e) {
            Duration wait = backoff(number);
            if (System.nanoTime() + wait.toNanos() - giveUpAt > 0) {
                LOG.warnf("%s failed (%s); giving up after %d attempt(s) in %s", what, e.getMessage(), number,
                        retryFor);
                return;
            }
            LOG.warnf("%s failed (%s); attempt %d, retrying in %d ms", what, e.getMessage(), number,
                    wait.toMillis());
            submit(() -> attempt(what, attempt, wanted, number + 1, giveUpAt), wait.toMillis());
        }
    }

    private void submit(Runnable r, long delayMillis) {
        try {
            executor.schedule(r, delayMillis, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException shuttingDown) {
            // The gateway is stopping: whatever was still to be posted is dropped (the store has the request).
        }
    }
}
