package dev.pgwarden.identity.dev;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * A checked authorization request (OpenID Connect Core 3.1.2.1, RFC 6749 4.1.1, RFC 7636). A bad
 * client or redirect URI is shown to the person, never redirected to (the URI may be an attacker's);
 * any other problem goes back to the client as an error on its redirect URI, with its state.
 */
record AuthorizationRequest(String clientId, String redirectUri, String state, String nonce, String codeChallenge) {

    /** The parameters carried from the login form's GET to its POST. */
    static final List<String> PARAMETERS = List.of("response_type", "client_id", "redirect_uri", "scope", "state",
            "nonce", "code_challenge", "code_challenge_method", "prompt");

    /** Outcome of checking a request: exactly one of the three is set. */
    record Check(AuthorizationRequest valid, String notRedirectable, Refusal refusal) {
    }

    /** An OAuth error to send to the client's redirect URI. */
    record Refusal(String redirectUri, String error, String description, String state) {
    }

    static Check check(Map<String, String> p, String expectedClientId) {
        String clientId = p.get("client_id");
        if (clientId == null || !clientId.equals(expectedClientId)) {
            return new Check(null, "unknown client_id", null);
        }
        String redirectUri = p.get("redirect_uri");
        if (!isLoopbackUri(redirectUri)) {
            return new Check(null, "redirect_uri must be an http(s) URI on this machine (127.0.0.1, localhost or [::1])"
                    + " without a fragment: the development issuer sends codes nowhere else", null);
        }
        String state = p.get("state");
        if (!"code".equals(p.get("response_type"))) {
            return refuse(redirectUri, "unsupported_response_type", "only response_type=code is supported", state);
        }
        String scope = p.getOrDefault("scope", "");
        if (Arrays.stream(scope.split(" ")).noneMatch("openid"::equals)) {
            return refuse(redirectUri, "invalid_scope", "scope must include openid", state);
        }
        String challenge = p.get("code_challenge");
        if (challenge == null) {
            return refuse(redirectUri, "invalid_request", "PKCE is required: send code_challenge (S256)", state);
        }
        if (!"S256".equals(p.get("code_challenge_method")) || !Pkce.wellFormed(challenge)) {
            return refuse(redirectUri, "invalid_request", "code_challenge_method must be S256 with a well-formed challenge",
                    state);
        }
        if (Arrays.asList(p.getOrDefault("prompt", "").split(" ")).contains("none")) {
            // There is no login session to reuse: every login shows the form.
            return refuse(redirectUri, "login_required", "the development issuer keeps no login session", state);
        }
        return new Check(new AuthorizationRequest(clientId, redirectUri, state, p.get("nonce"), challenge), null, null);
    }

    private static Check refuse(String redirectUri, String error, String description, String state) {
        return new Check(null, null, new Refusal(redirectUri, error, description, state));
    }

    /** RFC 8252 section 7.3's loopback redirection, the only kind a laptop-only issuer needs. */
    static boolean isLoopbackUri(String uri) {
        if (uri == null) {
            return false;
        }
        try {
            URI u = new URI(uri);
            if (!("http".equals(u.getScheme()) || "https".equals(u.getScheme())) || u.getRawFragment() != null
                    || u.getHost() == null || u.getRawUserInfo() != null) {
                return false;
            }
            String host = u.getHost();
            if (host.equals("localhost")) {
                return true;
            }
            if (!host.matches("[0-9.]+|\\[[0-9a-fA-F:]+]")) {
                return false; // a literal address only: no name lookups on attacker-chosen names
            }
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (java.net.URISyntaxException | UnknownHostException e) {
            return false;
        }
    }
}
