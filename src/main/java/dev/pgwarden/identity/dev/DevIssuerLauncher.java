package dev.pgwarden.identity.dev;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Comparator;
import java.util.List;

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
        CodeFlowSettings login = dev.clientSecret()
                .map(secret -> new CodeFlowSettings(secret, users(dev)))
                .orElse(null);
        try {
            issuer = DevIssuer.start(dev.host(), dev.port(), dev.audience(), login);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the development token issuer", e);
        }
        LOG.warnf("DEVELOPMENT token issuer running at %s: it gives a token to anyone; never use in production."
                + " Get one with: curl -s '%s/token.txt?sub=agent-7&groups=analysts'", issuer.issuer(), issuer.issuer());
        if (login == null) {
            LOG.infof("the development issuer's login form is off: set pgwarden.dev-issuer.client-secret to log people in");
        } else {
            LOG.infof("the development issuer logs in %s", login.users());
        }
    }

    private static List<DevUser> users(GatewayConfig.DevIssuer dev) {
        return dev.users().entrySet().stream()
                .map(e -> new DevUser(e.getKey(), e.getValue().password(), e.getValue().groups()))
                .sorted(Comparator.comparing(DevUser::name))
                .toList();
    }

    void stop(@Observes ShutdownEvent ev) {
        if (issuer != null) {
            issuer.close();
        }
    }
}
