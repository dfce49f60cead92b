package dev.pgwarden.api;

import java.util.Set;

import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.ForbiddenException;

import org.eclipse.microprofile.jwt.JsonWebToken;

import dev.pgwarden.config.GatewayConfig;
import dev.pgwarden.identity.GroupsClaim;

/** Lets members of the auditor groups read the audit trail; agents' tokens get 403. */
@RequestScoped
public class AuditorAccess {
    @Inject
    JsonWebToken token;
    @Inject
    GatewayConfig config;

    public void require() {
        Set<String> groups = new GroupsClaim(config.identity().groupsClaim()).read(token.getRawToken());
        if (config.audit().auditorGroups().stream().noneMatch(groups::contains)) {
            throw new ForbiddenException("requires membership of one of " + config.audit().auditorGroups());
        }
    }
}
