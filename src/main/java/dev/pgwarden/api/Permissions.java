package dev.pgwarden.api;

import java.security.Principal;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.jwt.JsonWebToken;

import dev.pgwarden.config.GatewayConfig;
import dev.pgwarden.identity.GroupsClaim;
import io.quarkus.security.identity.SecurityIdentity;

/**
 * The caller's groups and what they allow. The groups come from the token quarkus-oidc verified for
 * this request: the bearer access token of a script, or the ID token of a console login (its access
 * token is not verified by the code flow, so it is not trusted for groups). Both carry the claim
 * configured as {@code pgwarden.identity.groups-claim}.
 */
@ApplicationScoped
public class Permissions {
    private final GroupsClaim groupsClaim;
    private final GatewayConfig config;

    @Inject
    public Permissions(GatewayConfig config) {
        this.config = config;
        this.groupsClaim = new GroupsClaim(config.identity().groupsClaim());
    }

    public Set<String> groupsOf(SecurityIdentity identity) {
        if (identity == null || identity.isAnonymous()) {
            return Set.of();
        }
        Principal principal = identity.getPrincipal();
        if (principal instanceof JsonWebToken jwt && jwt.getRawToken() != null) {
            return groupsClaim.read(jwt.getRawToken());
        }
        return Set.of(); // not a token we verified: no groups, nothing allowed
    }

    public Capabilities of(SecurityIdentity identity) {
        Set<String> groups = groupsOf(identity);
        boolean admin = any(groups, config.api().adminGroups());
        boolean approver = any(groups, config.approvals().approverGroups());
        return new Capabilities(admin, any(groups, auditorGroups()), approver || admin, approver);
    }

    /** Every group that lets its members use the console for something. */
    public List<String> consoleGroups() {
        return Stream.of(config.api().adminGroups(), auditorGroups(), config.approvals().approverGroups())
                .flatMap(List::stream).distinct().toList();
    }

    /** Token groups allowed to read the audit trail ({@code pgwarden.audit.auditor-groups}). */
    List<String> auditorGroups() {
        return config.audit().auditorGroups();
    }

    private static boolean any(Set<String> groups, List<String> allowed) {
        return allowed.stream().anyMatch(groups::contains);
    }
}
