package dev.pgwarden.console;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import dev.pgwarden.api.Permissions;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.vertx.http.runtime.security.HttpSecurityPolicy;
import io.smallrye.mutiny.Uni;
import io.vertx.ext.web.RoutingContext;

/**
 * The console's pages are for people who may do something there (view the policy, audit, approve).
 * Nobody logged in: denied, so quarkus-oidc starts the login. Logged in without such a group: 403,
 * rendered by {@link ForbiddenPage}.
 */
@ApplicationScoped
public class ConsoleAccessPolicy implements HttpSecurityPolicy {
    @Inject
    Permissions permissions;

    @Override
    public Uni<CheckResult> checkPermission(RoutingContext request, Uni<SecurityIdentity> identity,
            AuthorizationRequestContext requestContext) {
        return identity.map(id -> !id.isAnonymous() && permissions.of(id).useConsole()
                ? CheckResult.PERMIT : CheckResult.DENY);
    }

    @Override
    public String name() {
        return "console"; // quarkus.http.auth.permission.console.policy
    }
}
