package dev.pgwarden.approvals;

import java.util.Optional;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import dev.pgwarden.config.GatewayConfig;

/**
 * Tells the configured channels (Slack, Teams) about requests and their outcomes, off the caller's
 * thread. A channel that fails is logged and retried with backoff for a while: the console and REST
 * API always work, and a dead Slack never decides or delays a request.
 */
@ApplicationScoped
public class ApprovalAnnouncer {
    private static final Logger LOG = Logger.getLogger(ApprovalAnnouncer.class);

    @Inject
    ApprovalChannels channels;
    @Inject
    ApprovalStore store;
    @Inject
    GatewayConfig config;

    private final ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(2, r -> {
        Thread t = new Thread(r, "pgwarden-approval-cards");
        t.setDaemon(true);
        return t;
    });
    private CardRetry retry;

    @PostConstruct
    void init() {
        // At shutdown, attempts due now still run; retries waiting for their backoff are dropped.
        executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        retry = new CardRetry(executor, config.approvals().channelRetryFor(),
                config.approvals().channelRetryMaxBackoff());
    }

    /**
     * Posts the request's card to every channel and remembers where, for the outcome. A channel that
     * fails is retried (see {@link CardRetry}) while the request is still pending.
     */
    public void announce(ApprovalRequest request) {
        ApprovalCard card = card(request);
        for (ApprovalChannel channel : channels.all()) {
            retry.run("approval " + request.id + ": post to " + channel.name(), () -> {
                Optional<String> ref = channel.announce(card);
                posted(request.id, channel.name() + "=" + ref.orElse(""));
            }, () -> stillPending(request.id));
        }
    }

    /** After a post: record where, and bring the card up to date if the request was decided meanwhile. */
    private void posted(String id, String ref) {
        try {
            store.addChannelRef(id, ref);
        } catch (RuntimeException e) {
            // Not retried as a whole: that would post the card twice.
            LOG.warnf("approval %s: could not record where it was announced: %s", id, e.getMessage());
            return;
        }
        try {
            store.find(id).filter(r -> r.status.decided()).ifPresent(this::updateCards);
        } catch (RuntimeException e) {
            LOG.warnf("approval %s: could not read it after posting its card: %s", id, e.getMessage());
        }
    }

    /** Whether a card is still worth posting; when the store cannot tell, it is. */
    private boolean stillPending(String id) {
        try {
            return store.find(id).map(r -> !r.status.decided()).orElse(false);
        } catch (RuntimeException e) {
            return true;
        }
    }

    /** Shows a request's outcome on the cards that announced it. */
    public void announceOutcome(String id) {
        executor.execute(() -> {
            try {
                store.find(id).ifPresent(this::updateCards);
            } catch (RuntimeException e) {
                LOG.warnf("approval %s: could not read it to update its cards: %s", id, e.getMessage());
            }
        });
    }

    private void updateCards(ApprovalRequest request) {
        if (request.channelRefs == null || request.channelRefs.isEmpty()) {
            return;
        }
        ApprovalCard card = card(request);
        ApprovalOutcome outcome = request.outcome();
        for (String line : request.channelRefs.split("\n")) {
            int eq = line.indexOf('=');
            String name = line.substring(0, eq);
            String ref = line.substring(eq + 1);
            for (ApprovalChannel channel : channels.all()) {
                if (channel.name().equals(name)) {
                    retry.run("approval " + request.id + ": update " + name, () -> channel.update(ref, card, outcome),
                            () -> true);
                }
            }
        }
    }

    ApprovalCard card(ApprovalRequest r) {
        return new ApprovalCard(r.id, r.requesterSubject, r.groups(), r.databaseName, r.statement, r.estimate(),
                r.rule, r.clientAddress, r.expiresAt, ApprovalLinks.page(config.approvals().publicUrl(), r.id));
    }

    @PreDestroy
    void stop() throws InterruptedException {
        executor.shutdown();
        executor.awaitTermination(5, TimeUnit.SECONDS);
    }
}
