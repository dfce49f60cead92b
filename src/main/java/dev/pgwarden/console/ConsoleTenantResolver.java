package dev.pgwarden.console;

import jakarta.enterprise.context.ApplicationScoped;

import io.quarkus.oidc.TenantResolver;
import io.vertx.core.http.Cookie;
import io.vertx.ext.web.RoutingContext;

/**
 * Chooses the OIDC tenant of a request. People log in to the console with the authorization code
 * flow ("console" tenant, a web-app); scripts call {@code /api} with bearer tokens (the default
 * tenant, a service). A second tenant rather than {@code application-type: hybrid} because hybrid
 * answers an {@code /api} call without credentials with a redirect to the identity provider, and
 * scripts must keep getting 401 there.
 * <p>
 * An {@code /api} call uses the console session only when it has no Authorization header, carries
 * the session cookie, and says it comes from the console's script ({@code X-Requested-With}): a
 * cross-site page cannot add that header without a CORS preflight the gateway never grants, so the
 * session cookie alone never authorizes an API call (CSRF).
 */
@ApplicationScoped
public class ConsoleTenantResolver implements TenantResolver {
    public static final String TENANT = "console";
    /** The header the console's fetch calls send; quarkus-oidc also answers them 499 instead of redirecting. */
    public static final String SCRIPT_HEADER = "X-Requested-With";
    public static final String SCRIPT_HEADER_VALUE = "JavaScript";
    /** quarkus-oidc names a tenant's session cookie q_session_&lt;tenant&gt; (large ones in _chunk_N parts). */
    private static final String SESSION_COOKIE = "q_session_" + TENANT;
    /** quarkus-oidc's id of the default tenant. */
    private static final String DEFAULT_TENANT = "Default";

    @Override
    public String resolve(RoutingContext context) {
        String path = context.normalizedPath();
        if (path.equals("/console") || path.startsWith("/console/")) {
            return TENANT;
        }
        if (path.startsWith("/api/") && context.request().getHeader("Authorization") == null
                && SCRIPT_HEADER_VALUE.equals(context.request().getHeader(SCRIPT_HEADER)) && hasSession(context)) {
            return TENANT;
        }
        return DEFAULT_TENANT; // never guessed from path segments (an approval id "console" must not switch tenants)
    }

    private static boolean hasSession(RoutingContext context) {
        for (Cookie c : context.request().cookies()) {
            if (c.getName().equals(SESSION_COOKIE) || c.getName().startsWith(SESSION_COOKIE + "_chunk_")) {
                return true;
            }
        }
        return false;
    }
}
