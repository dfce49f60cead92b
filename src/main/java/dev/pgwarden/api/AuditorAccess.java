package dev.pgwarden.api;

import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.ForbiddenException;

import dev.pgwarden.config.GatewayConfig;
import io.quarkus.security.identity.SecurityIdentity;

/** Lets members of the auditor groups read the audit trail (scripts and the console alike); agents get 403. */
@RequestScoped
public class AuditorAccess {
    @Inject
    SecurityIdentity identity;
    @Inject
    Permissions permissions;
    @Inject
    GatewayConfig config;

    public void require() {
        if (!permissions.of(identity).audit()) {
            throw new ForbiddenException("requires membership of one of " + config.audit().auditorGroups());
        }
    }
}
