package dev.pgwarden.identity.dev;

import java.io.IOException;
import java.io.UncheckedIOException;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.jboss.logging.Logger;

import dev.pgwarden.config.GatewayConfig;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;

/** Starts the development issuer when {@code pgwarden.dev-issuer.enabled=true}. */
@ApplicationScoped
public class DevIssuerLauncher {
    private static final Logger LOG = Logger.getLogger(DevIssuerLauncher.class);
    private DevIssuer issuer;

    void start(@Observes StartupEvent ev, GatewayConfig config) {
        GatewayConfig.DevIssuer dev = config.devIssuer();
        if (!dev.enabled()) {
            return;
        }
        try {
            issuer = DevIssuer.start(dev.host(), dev.port(), dev.audience());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the development token issuer", e);
        }
        LOG.warnf("DEVELOPMENT token issuer running at %s: it gives a token to anyone; never use in production."
                + " Get one with: curl -s '%s/token.txt?sub=agent-7&groups=analysts'", issuer.issuer(), issuer.issuer());
    }

    void stop(@Observes ShutdownEvent ev) {
        if (issuer != null) {
            issuer.close();
        }
    }
}
