package dev.pgwarden.console;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import io.quarkus.oidc.OidcConfigurationMetadata;
import io.quarkus.oidc.runtime.TenantConfigBean;
import io.quarkus.oidc.runtime.TenantConfigContext;
import io.quarkus.runtime.StartupEvent;

/**
 * Says at start when the identity provider advertises no {@code end_session_endpoint}: the gateway
 * runs as usual, and {@link ConsoleLogout} can only end the console session at the gateway.
 */
@ApplicationScoped
public class EndSessionCheck {
    private static final Logger LOG = Logger.getLogger(EndSessionCheck.class);

    @Inject
    TenantConfigBean tenants;

    void onStart(@Observes StartupEvent ev) {
        TenantConfigContext console = tenants.getStaticTenant(ConsoleTenantResolver.TENANT);
        if (console == null || !console.ready()) {
            return; // the provider is not reachable yet; quarkus-oidc says so itself
        }
        OidcConfigurationMetadata metadata = console.getOidcMetadata();
        if (metadata != null && metadata.getEndSessionUri() == null) {
            LOG.warnf("the identity provider %s advertises no end_session_endpoint: console logout is local only "
                    + "(the gateway's session cookie is cleared, the provider's login session stays)", metadata.getIssuer());
        }
    }
}
