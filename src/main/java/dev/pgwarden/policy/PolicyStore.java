package dev.pgwarden.policy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import dev.pgwarden.config.GatewayConfig;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Vertx;

/**
 * Holds the active policy. It is loaded at start (a bad file stops the gateway: running without
 * policy is not an option) and re-read when the file changes; a bad new version is rejected, logged,
 * and the previous one stays active.
 */
@ApplicationScoped
public class PolicyStore {
    private static final Logger LOG = Logger.getLogger(PolicyStore.class);

    private final Path file;
    private final GatewayConfig config;
    private volatile Policy current;
    private volatile FileTime loadedModified;
    private volatile String lastError;

    @Inject
    public PolicyStore(GatewayConfig config) {
        this.config = config;
        this.file = Path.of(config.policy().file());
    }

    void onStart(@Observes StartupEvent ev, Vertx vertx) {
        current();
        long interval = config.policy().reloadInterval().toMillis();
        if (interval > 0) {
            vertx.setPeriodic(interval, id -> vertx.executeBlocking(() -> {
                reloadIfChanged();
                return null;
            }, false));
        }
    }

    /** The active policy; the first call loads it and fails loudly if the file is unusable. */
    public Policy current() {
        Policy p = current;
        if (p == null) {
            synchronized (this) {
                if (current == null) {
                    try {
                        loadedModified = modified();
                        current = PolicyLoader.load(file);
                        LOG.infof("policy %s loaded from %s", current.version(), file);
                    } catch (PolicyException e) {
                        throw new IllegalStateException("pgwarden refuses to start without a valid policy: "
                                + e.getMessage(), e);
                    }
                }
                p = current;
            }
        }
        return p;
    }

    /** @return true when a new version became active */
    public synchronized boolean reloadIfChanged() {
        FileTime modified = modified();
        if (modified == null || modified.equals(loadedModified)) {
            return false;
        }
        loadedModified = modified;
        try {
            Policy next = PolicyLoader.load(file);
            if (next.version().equals(current().version())) {
                return false;
            }
            current = next;
            lastError = null;
            LOG.infof("policy %s reloaded from %s", next.version(), file);
            return true;
        } catch (PolicyException e) {
            lastError = e.getMessage();
            LOG.errorf("policy file changed but was rejected, keeping version %s: %s", current().version(), e.getMessage());
            return false;
        }
    }

    /** Why the latest change of the file was rejected, or null. */
    public String lastError() {
        return lastError;
    }

    private FileTime modified() {
        try {
            return Files.getLastModifiedTime(file);
        } catch (IOException e) {
            return null;
        }
    }
}
