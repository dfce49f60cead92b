package dev.pgwarden.console;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import dev.pgwarden.api.Permissions;
import io.quarkus.security.ForbiddenException;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.vertx.http.runtime.security.QuarkusHttpUser;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * A logged-in person the console has nothing for gets a page saying so (who they are, which groups
 * would let them in, a way to log out as someone else) instead of an empty 403.
 */
@ApplicationScoped
public class ForbiddenPage {
    @Inject
    Permissions permissions;

    void register(@Observes Router router) {
        router.route("/console/*").failureHandler(this::handle);
    }

    private void handle(RoutingContext ctx) {
        boolean forbidden = ctx.statusCode() == 403 || ctx.failure() instanceof ForbiddenException;
        if (!forbidden || ctx.response().ended() || ctx.response().headWritten()) {
            ctx.next();
            return;
        }
        SecurityIdentity identity = ctx.user() instanceof QuarkusHttpUser user ? user.getSecurityIdentity() : null;
        String who = identity == null || identity.isAnonymous() ? "unknown" : identity.getPrincipal().getName();
        String groups = String.join(", ", permissions.groupsOf(identity));
        ctx.response().setStatusCode(403).putHeader("Content-Type", "text/html; charset=utf-8")
                .putHeader("Cache-Control", "no-store").end(render(who, groups));
    }

    private String render(String who, String groups) {
        String allowed = String.join(", ", permissions.consoleGroups());
        return """
                <!DOCTYPE html>
                <html lang="en"><head><meta charset="utf-8"><title>Not allowed - pgwarden console</title>
                <link rel="stylesheet" href="/console/assets/console.css"></head>
                <body><main class="narrow">
                <h1 id="forbidden">Not allowed</h1>
                <p>You are logged in as <strong id="who">%s</strong> (groups: <span id="groups">%s</span>).</p>
                <p>The pgwarden console is for members of: %s.</p>
                <p><a id="logout" href="/console/logout">Log out</a> to log in as someone else.</p>
                </main></body></html>
                """.formatted(Html.escape(who), Html.escape(groups.isEmpty() ? "none" : groups), Html.escape(allowed));
    }
}
