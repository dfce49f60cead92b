package dev.pgwarden.api;

import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.ForbiddenException;

import dev.pgwarden.config.GatewayConfig;
import io.quarkus.security.identity.SecurityIdentity;

/**
 * Group checks for the admin and audit APIs, on the verified identity (scripts' bearer tokens and
 * console logins alike); agents' tokens get 403.
 */
@RequestScoped
public class GroupAccess {
    @Inject
    SecurityIdentity identity;
    @Inject
    Permissions permissions;
    @Inject
    GatewayConfig config;

    /** The policy view and dry run: admin groups. */
    public void requireAdmin() {
        if (!permissions.of(identity).viewPolicy()) {
            throw new ForbiddenException("requires membership of one of " + config.api().adminGroups());
        }
    }

    /** Budget usage (who read how much): admin or auditor groups. */
    public void requireAdminOrAuditor() {
        Capabilities may = permissions.of(identity);
        if (!may.viewPolicy() && !may.audit()) {
            throw new ForbiddenException("requires membership of one of " + config.api().adminGroups() + " or "
                    + config.audit().auditorGroups());
        }
    }

    /** The audit trail: auditor groups. */
    public void requireAuditor() {
        if (!permissions.of(identity).audit()) {
            throw new ForbiddenException("requires membership of one of " + config.audit().auditorGroups());
        }
    }
}
