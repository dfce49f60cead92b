package dev.pgwarden.identity.dev;

import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;

import com.sun.net.httpserver.HttpExchange;

/**
 * The OAuth token endpoint for the authorization code grant (RFC 6749 4.1.3, OpenID Connect Core
 * 3.1.3): the client authenticates with its secret, the code is redeemed once, the redirect URI and
 * the PKCE verifier must match what the authorization request carried.
 */
final class TokenEndpoint {
    /** Signs the tokens for a redeemed code. */
    interface Signer {
        String idToken(AuthorizationCodes.Grant grant);

        String accessToken(DevUser user);

        long lifetimeSeconds();
    }

    private final String clientId;
    private final CodeFlowSettings settings;
    private final AuthorizationCodes codes;
    private final Signer signer;

    TokenEndpoint(String clientId, CodeFlowSettings settings, AuthorizationCodes codes, Signer signer) {
        this.clientId = clientId;
        this.settings = settings;
        this.codes = codes;
        this.signer = signer;
    }

    void handle(HttpExchange ex) throws IOException {
        if (!"POST".equals(ex.getRequestMethod())) {
            error(ex, 405, "invalid_request", "the token endpoint takes POST");
            return;
        }
        Map<String, String> p;
        try {
            p = DevHttp.parse(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            error(ex, 400, "invalid_request", e.getMessage());
            return;
        }
        Optional<String> client = authenticateClient(ex, p);
        if (client.isEmpty()) {
            ex.getResponseHeaders().set("WWW-Authenticate", "Basic realm=\"pgwarden-dev-issuer\"");
            error(ex, 401, "invalid_client", "client authentication failed");
            return;
        }
        if (!"authorization_code".equals(p.get("grant_type"))) {
            error(ex, 400, "unsupported_grant_type", "only authorization_code is supported here");
            return;
        }
        Optional<AuthorizationCodes.Grant> redeemed = codes.redeem(p.get("code"));
        if (redeemed.isEmpty()) {
            error(ex, 400, "invalid_grant", "the code is unknown, expired or already used");
            return;
        }
        AuthorizationCodes.Grant grant = redeemed.get();
        if (!grant.clientId().equals(client.get())) {
            error(ex, 400, "invalid_grant", "the code was issued to another client");
            return;
        }
        if (!grant.redirectUri().equals(p.get("redirect_uri"))) {
            error(ex, 400, "invalid_grant", "redirect_uri differs from the authorization request's");
            return;
        }
        if (!Pkce.verifies(p.get("code_verifier"), grant.codeChallenge())) {
            error(ex, 400, "invalid_grant", "code_verifier does not match the code_challenge");
            return;
        }
        String body = "{\"access_token\":" + DevHttp.jsonString(signer.accessToken(grant.user()))
                + ",\"token_type\":\"Bearer\",\"expires_in\":" + signer.lifetimeSeconds()
                + ",\"id_token\":" + DevHttp.jsonString(signer.idToken(grant)) + ",\"scope\":\"openid\"}";
        ex.getResponseHeaders().set("Pragma", "no-cache");
        DevHttp.respond(ex, 200, "application/json", body);
    }

    /**
     * client_secret_basic or client_secret_post, not both (RFC 6749 2.3.1). Basic credentials are
     * form-encoded by the spec, but some clients send them raw: either form of the right secret passes.
     */
    private Optional<String> authenticateClient(HttpExchange ex, Map<String, String> p) {
        String header = ex.getRequestHeaders().getFirst("Authorization");
        String id;
        String secret;
        if (header != null) {
            if (p.containsKey("client_secret") || !header.regionMatches(true, 0, "Basic ", 0, 6)) {
                return Optional.empty();
            }
            String decoded;
            try {
                decoded = new String(Base64.getDecoder().decode(header.substring(6).trim()), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                return Optional.empty();
            }
            int colon = decoded.indexOf(':');
            if (colon < 0) {
                return Optional.empty();
            }
            id = decoded.substring(0, colon);
            secret = decoded.substring(colon + 1);
            if (!secretMatches(secret)) {
                secret = URLDecoder.decode(secret, StandardCharsets.UTF_8);
            }
            id = clientId.equals(id) ? id : URLDecoder.decode(id, StandardCharsets.UTF_8);
        } else {
            id = p.get("client_id");
            secret = p.get("client_secret");
        }
        if (settings == null || id == null || secret == null || !clientId.equals(id) || !secretMatches(secret)) {
            return Optional.empty();
        }
        return Optional.of(id);
    }

    private boolean secretMatches(String secret) {
        return settings != null && MessageDigest.isEqual(settings.clientSecret().getBytes(StandardCharsets.UTF_8),
                secret.getBytes(StandardCharsets.UTF_8));
    }

    private static void error(HttpExchange ex, int status, String error, String description) throws IOException {
        ex.getResponseHeaders().set("Pragma", "no-cache");
        DevHttp.respond(ex, status, "application/json", "{\"error\":" + DevHttp.jsonString(error)
                + ",\"error_description\":" + DevHttp.jsonString(description) + "}");
    }
}
