package dev.pgwarden.approvals;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import dev.pgwarden.config.GatewayConfig;

/**
 * Tells the configured channels (Slack, Teams) about requests and their outcomes, off the caller's
 * thread. A channel that fails is logged and skipped: the console and REST API always work, and a
 * dead Slack never decides or delays a request.
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

    private final ExecutorService executor = Executors.newFixedThreadPool(2, r -> {
        Thread t = new Thread(r, "pgwarden-approval-cards");
        t.setDaemon(true);
        return t;
    });

    /** Posts the request's card to every channel and remembers where, for the outcome. */
    public void announce(ApprovalRequest request) {
        ApprovalCard card = card(request);
        executor.execute(() -> {
            List<String> refs = new ArrayList<>();
            for (ApprovalChannel channel : channels.all()) {
                try {
                    Optional<String> ref = channel.announce(card);
                    refs.add(channel.name() + "=" + ref.orElse(""));
                } catch (Exception e) {
                    LOG.warnf("approval %s: could not post to %s: %s", request.id, channel.name(), e.getMessage());
                }
            }
            if (!refs.isEmpty()) {
                try {
                    store.recordChannelRefs(request.id, String.join("\n", refs));
                } catch (RuntimeException e) {
                    LOG.warnf("approval %s: could not record where it was announced: %s", request.id, e.getMessage());
                }
                // Decided while the cards were being posted: bring them up to date now.
                store.find(request.id).filter(r -> r.status.decided()).ifPresent(this::updateCards);
            }
        });
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
        for (String line : request.channelRefs.split("\n")) {
            int eq = line.indexOf('=');
            String name = line.substring(0, eq);
            String ref = line.substring(eq + 1);
            for (ApprovalChannel channel : channels.all()) {
                if (channel.name().equals(name)) {
                    try {
                        channel.update(ref, card, request.outcome());
                    } catch (Exception e) {
                        LOG.warnf("approval %s: could not update %s: %s", request.id, name, e.getMessage());
                    }
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
