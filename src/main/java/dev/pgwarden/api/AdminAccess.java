package dev.pgwarden.api;

import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.ForbiddenException;

import dev.pgwarden.config.GatewayConfig;
import io.quarkus.security.identity.SecurityIdentity;

/** Lets members of the configured admin groups through; agents' tokens get 403. */
@RequestScoped
public class AdminAccess {
    @Inject
    SecurityIdentity identity;
    @Inject
    Permissions permissions;
    @Inject
    GatewayConfig config;

    public void require() {
        if (!permissions.of(identity).viewPolicy()) {
            throw new ForbiddenException("requires membership of one of " + config.api().adminGroups());
        }
    }
}
