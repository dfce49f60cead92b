package dev.pgwarden.console;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import io.quarkus.oidc.OidcConfigurationMetadata;
import io.quarkus.oidc.OidcSession;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpServerRequest;

/**
 * {@code /console/logout}: clears the console's session cookie and, when the identity provider
 * advertises an {@code end_session_endpoint}, ends the session there too (RP-initiated logout, back
 * to the logged-out page). A provider without one gets a local logout: straight to the logged-out
 * page. Not quarkus-oidc's {@code logout.path}: with it, such a provider stops the whole gateway at
 * start, its PostgreSQL listener included, over a console button.
 */
@Path(ConsoleLogout.PATH)
public class ConsoleLogout {
    static final String PATH = "/console/logout";
    static final String LOGGED_OUT = "/console/logged-out.html";

    @Inject
    SecurityIdentity identity;
    @Inject
    OidcSession session;
    @Inject
    OidcConfigurationMetadata provider;
    @ConfigProperty(name = "quarkus.oidc.console.authentication.force-redirect-https-scheme", defaultValue = "false")
    boolean forceHttps;

    @GET
    public Uni<Response> logout(@Context HttpServerRequest request) {
        if (identity.isAnonymous()) {
            return Uni.createFrom().item(redirect(LOGGED_OUT));
        }
        String endSession = provider.getEndSessionUri();
        String idToken = session.getIdToken().getRawToken();
        return session.logout().map(v -> redirect(endSession == null ? LOGGED_OUT
                : endSession + (endSession.contains("?") ? "&" : "?") + "id_token_hint=" + encode(idToken)
                        + "&post_logout_redirect_uri=" + encode(origin(request) + LOGGED_OUT)));
    }

    /** This gateway as the browser reached it, https when a TLS-terminating load balancer is in front. */
    private String origin(HttpServerRequest request) {
        URI uri = URI.create(request.absoluteURI());
        return (forceHttps ? "https" : uri.getScheme()) + "://" + uri.getRawAuthority();
    }

    private static Response redirect(String location) {
        return Response.status(Response.Status.FOUND).header("Location", location)
                .header("Cache-Control", "no-store").build();
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
