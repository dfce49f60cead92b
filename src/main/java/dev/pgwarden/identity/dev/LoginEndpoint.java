package dev.pgwarden.identity.dev;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.sun.net.httpserver.HttpExchange;

/**
 * The authorization endpoint: GET shows the login form, POST checks the credentials and sends the
 * browser back to the client with a single-use code; also the end-session endpoint (logout).
 */
final class LoginEndpoint {
    private final String clientId;
    private final CodeFlowSettings settings;
    private final AuthorizationCodes codes;

    LoginEndpoint(String clientId, CodeFlowSettings settings, AuthorizationCodes codes) {
        this.clientId = clientId;
        this.settings = settings;
        this.codes = codes;
    }

    void authorize(HttpExchange ex) throws IOException {
        if (!"GET".equals(ex.getRequestMethod()) && !"POST".equals(ex.getRequestMethod())) {
            DevHttp.respond(ex, 405, "text/plain", "GET or POST\n");
            return;
        }
        Map<String, String> params;
        try {
            params = DevHttp.parameters(ex);
        } catch (IllegalArgumentException e) {
            DevHttp.page(ex, 400, LoginPage.message("Bad request", e.getMessage()));
            return;
        }
        if (settings == null) {
            DevHttp.page(ex, 503, LoginPage.message("Login is off",
                    "this development issuer has no client secret configured, so it logs nobody in"));
            return;
        }
        AuthorizationRequest.Check check = AuthorizationRequest.check(params, clientId);
        if (check.notRedirectable() != null) {
            DevHttp.page(ex, 400, LoginPage.message("Bad authorization request", check.notRedirectable()));
            return;
        }
        if (check.refusal() != null) {
            AuthorizationRequest.Refusal r = check.refusal();
            Map<String, String> q = new LinkedHashMap<>();
            q.put("error", r.error());
            q.put("error_description", r.description());
            q.put("state", r.state());
            DevHttp.redirect(ex, DevHttp.withQuery(r.redirectUri(), q));
            return;
        }
        AuthorizationRequest request = check.valid();
        String client = DevHttp.origin(request.redirectUri());
        if ("GET".equals(ex.getRequestMethod())) {
            DevHttp.page(ex, 200, LoginPage.form(params, null), client);
            return;
        }
        Optional<DevUser> user = authenticate(params.get("username"), params.get("password"));
        if (user.isEmpty()) {
            DevHttp.page(ex, 401, LoginPage.form(params, "Wrong username or password."), client);
            return;
        }
        String code = codes.issue(request.clientId(), request.redirectUri(), user.get(), request.nonce(),
                request.codeChallenge());
        Map<String, String> q = new LinkedHashMap<>();
        q.put("code", code);
        q.put("state", request.state());
        DevHttp.redirect(ex, DevHttp.withQuery(request.redirectUri(), q));
    }

    /** RP-initiated logout: there is no login session here to end, so just go where the client asked. */
    void logout(HttpExchange ex) throws IOException {
        Map<String, String> params;
        try {
            params = DevHttp.parameters(ex);
        } catch (IllegalArgumentException e) {
            DevHttp.page(ex, 400, LoginPage.message("Bad request", e.getMessage()));
            return;
        }
        String target = params.get("post_logout_redirect_uri");
        if (AuthorizationRequest.isLoopbackUri(target)) {
            Map<String, String> q = new LinkedHashMap<>();
            q.put("state", params.get("state"));
            DevHttp.redirect(ex, DevHttp.withQuery(target, q));
        } else {
            DevHttp.page(ex, 200, LoginPage.message("Logged out", "You are logged out."));
        }
    }

    /** Compares every configured password (constant time), so a wrong name takes as long as a wrong password. */
    private Optional<DevUser> authenticate(String name, String password) {
        if (name == null || password == null) {
            return Optional.empty();
        }
        byte[] given = password.getBytes(StandardCharsets.UTF_8);
        DevUser match = null;
        List<DevUser> users = settings.users();
        for (DevUser u : users) {
            boolean ok = MessageDigest.isEqual(u.password().getBytes(StandardCharsets.UTF_8), given);
            if (ok && u.name().equals(name)) {
                match = u;
            }
        }
        return Optional.ofNullable(match);
    }
}
