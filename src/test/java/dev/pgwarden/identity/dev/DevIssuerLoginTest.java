package dev.pgwarden.identity.dev;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.jose4j.jwk.JsonWebKeySet;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.consumer.JwtConsumerBuilder;
import org.jose4j.keys.resolvers.JwksVerificationKeyResolver;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The development issuer's authorization code flow, spoken to over HTTP the way a relying party
 * (the gateway's console) and a browser speak to it.
 */
class DevIssuerLoginTest {
    private static final String SECRET = "dev-issuer-test-secret-0123456789abcdef";
    private static final String REDIRECT = "http://127.0.0.1:9/console/callback";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();

    /** A clock the test moves forward to expire codes without waiting. */
    static final class MovableClock extends Clock {
        volatile Instant now = Instant.now();

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }
    }

    private static final MovableClock CLOCK = new MovableClock();
    private static DevIssuer issuer;

    @BeforeAll
    static void start() throws IOException {
        issuer = DevIssuer.start("127.0.0.1", 0, "pgwarden", new CodeFlowSettings(SECRET, List.of(
                new DevUser("alice", "alice-pw", List.of("auditors")),
                new DevUser("agent", "agent-pw", List.of("analysts")))), CLOCK);
    }

    @AfterAll
    static void stop() {
        issuer.close();
    }

    // --- helpers: what a relying party and a browser do ------------------------------------------

    record Pkce(String verifier, String challenge) {
        static Pkce create() throws Exception {
            String verifier = "v".repeat(20) + "-" + System.nanoTime() + "-abcdefghijklmnopqrstuvwxyz";
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII));
            return new Pkce(verifier, Base64.getUrlEncoder().withoutPadding().encodeToString(digest));
        }
    }

    private static Map<String, String> authorizeParams(Pkce pkce, String state, String nonce) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("response_type", "code");
        p.put("client_id", "pgwarden");
        p.put("redirect_uri", REDIRECT);
        p.put("scope", "openid profile");
        p.put("state", state);
        p.put("nonce", nonce);
        p.put("code_challenge", pkce.challenge());
        p.put("code_challenge_method", "S256");
        return p;
    }

    private static String form(Map<String, String> p) {
        StringBuilder sb = new StringBuilder();
        p.forEach((k, v) -> sb.append(sb.length() == 0 ? "" : "&").append(URLEncoder.encode(k, StandardCharsets.UTF_8))
                .append('=').append(URLEncoder.encode(v, StandardCharsets.UTF_8)));
        return sb.toString();
    }

    private static HttpResponse<String> get(String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(issuer.issuer() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> post(String path, String body, String authorization) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(issuer.issuer() + path))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String basic(String secret) {
        return "Basic " + Base64.getEncoder().encodeToString(("pgwarden:" + secret).getBytes(StandardCharsets.UTF_8));
    }

    /** Logs in through the form; returns the redirect back to the client. */
    private static URI login(Map<String, String> params, String user, String password) throws Exception {
        Map<String, String> p = new LinkedHashMap<>(params);
        p.put("username", user);
        p.put("password", password);
        HttpResponse<String> r = post("/authorize", form(p), null);
        assertEquals(302, r.statusCode(), r.body());
        return URI.create(r.headers().firstValue("Location").orElseThrow());
    }

    private static Map<String, String> query(URI uri) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String pair : uri.getRawQuery().split("&")) {
            int eq = pair.indexOf('=');
            out.put(pair.substring(0, eq), java.net.URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
        }
        return out;
    }

    private static HttpResponse<String> redeem(String code, String verifier, String secret) throws Exception {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("grant_type", "authorization_code");
        p.put("code", code);
        p.put("redirect_uri", REDIRECT);
        p.put("code_verifier", verifier);
        return post("/oauth/token", form(p), basic(secret));
    }

    private static JwtClaims verified(String jwt, String audience) throws Exception {
        JsonWebKeySet keys = new JsonWebKeySet(get("/jwks").body());
        return new JwtConsumerBuilder().setVerificationKeyResolver(new JwksVerificationKeyResolver(keys.getJsonWebKeys()))
                .setExpectedIssuer(issuer.issuer()).setExpectedAudience(audience).setRequireExpirationTime()
                .build().processToClaims(jwt);
    }

    // --- tests -----------------------------------------------------------------------------------

    @Test
    void discoveryListsTheCodeFlowEndpoints() throws Exception {
        JsonNode d = JSON.readTree(get("/.well-known/openid-configuration").body());
        assertEquals(issuer.issuer(), d.get("issuer").asText());
        assertEquals(issuer.issuer() + "/authorize", d.get("authorization_endpoint").asText());
        assertEquals(issuer.issuer() + "/oauth/token", d.get("token_endpoint").asText());
        assertEquals(issuer.issuer() + "/logout", d.get("end_session_endpoint").asText());
        assertEquals(issuer.issuer() + "/jwks", d.get("jwks_uri").asText());
        assertEquals("S256", d.get("code_challenge_methods_supported").get(0).asText());
    }

    @Test
    void aPersonLogsInAndTheClientGetsSignedIdAndAccessTokens() throws Exception {
        Pkce pkce = Pkce.create();
        Map<String, String> params = authorizeParams(pkce, "state-1", "nonce-1");
        HttpResponse<String> form = get("/authorize?" + form(params));
        assertEquals(200, form.statusCode());
        assertTrue(form.body().contains("name=\"password\""), form.body());
        String csp = form.headers().firstValue("Content-Security-Policy").orElse("");
        assertTrue(csp.contains("default-src 'none'"), csp);
        // Browsers check form-action on the redirect after the submission too: the client's origin is allowed.
        assertTrue(csp.contains("form-action 'self' http://127.0.0.1:9;"), csp);

        URI back = login(params, "alice", "alice-pw");
        assertEquals("/console/callback", back.getPath());
        Map<String, String> q = query(back);
        assertEquals("state-1", q.get("state"), "the state comes back unchanged");
        String code = q.get("code");
        assertNotNull(code);

        HttpResponse<String> tokens = redeem(code, pkce.verifier(), SECRET);
        assertEquals(200, tokens.statusCode(), tokens.body());
        assertEquals("no-store", tokens.headers().firstValue("Cache-Control").orElse(""));
        JsonNode t = JSON.readTree(tokens.body());
        JwtClaims id = verified(t.get("id_token").asText(), "pgwarden");
        assertEquals("alice", id.getSubject());
        assertEquals("nonce-1", id.getStringClaimValue("nonce"));
        assertEquals(List.of("auditors"), id.getStringListClaimValue("groups"));
        assertNotNull(id.getClaimValue("auth_time"));
        JwtClaims access = verified(t.get("access_token").asText(), "pgwarden");
        assertEquals("alice", access.getSubject());
        assertEquals(List.of("auditors"), access.getStringListClaimValue("groups"));
    }

    @Test
    void tokensAreSignedWithTheCurrentKeyAfterARotation() throws Exception {
        issuer.rotateKey();
        JsonNode keys = JSON.readTree(get("/jwks").body()).get("keys");
        String newest = keys.get(keys.size() - 1).get("kid").asText();
        Pkce pkce = Pkce.create();
        String code = query(login(authorizeParams(pkce, "s", "n"), "alice", "alice-pw")).get("code");
        JsonNode t = JSON.readTree(redeem(code, pkce.verifier(), SECRET).body());
        for (String jwt : List.of(t.get("id_token").asText(), t.get("access_token").asText())) {
            String header = new String(Base64.getUrlDecoder().decode(jwt.substring(0, jwt.indexOf('.'))),
                    StandardCharsets.UTF_8);
            assertEquals(newest, JSON.readTree(header).get("kid").asText());
            verified(jwt, "pgwarden");
        }
    }

    @Test
    void aCodeWorksOnce() throws Exception {
        Pkce pkce = Pkce.create();
        String code = query(login(authorizeParams(pkce, "s", "n"), "agent", "agent-pw")).get("code");
        assertEquals(200, redeem(code, pkce.verifier(), SECRET).statusCode());
        HttpResponse<String> again = redeem(code, pkce.verifier(), SECRET);
        assertEquals(400, again.statusCode());
        assertEquals("invalid_grant", JSON.readTree(again.body()).get("error").asText());
    }

    @Test
    void aCodeExpiresAfterAMinute() throws Exception {
        Pkce pkce = Pkce.create();
        String code = query(login(authorizeParams(pkce, "s", "n"), "agent", "agent-pw")).get("code");
        Instant before = CLOCK.now;
        try {
            CLOCK.now = before.plus(DevIssuer.CODE_LIFETIME).plusSeconds(1);
            HttpResponse<String> late = redeem(code, pkce.verifier(), SECRET);
            assertEquals(400, late.statusCode());
            assertEquals("invalid_grant", JSON.readTree(late.body()).get("error").asText());
        } finally {
            CLOCK.now = before;
        }
    }

    @Test
    void theClientSecretIsChecked() throws Exception {
        Pkce pkce = Pkce.create();
        String code = query(login(authorizeParams(pkce, "s", "n"), "agent", "agent-pw")).get("code");
        HttpResponse<String> wrong = redeem(code, pkce.verifier(), "not-the-secret");
        assertEquals(401, wrong.statusCode());
        assertEquals("invalid_client", JSON.readTree(wrong.body()).get("error").asText());
        assertFalse(wrong.body().contains(SECRET));
        Map<String, String> p = new LinkedHashMap<>();
        p.put("grant_type", "authorization_code");
        p.put("code", code);
        p.put("redirect_uri", REDIRECT);
        p.put("code_verifier", pkce.verifier());
        assertEquals(401, post("/oauth/token", form(p), null).statusCode(), "no client authentication at all");
        p.put("client_id", "pgwarden");
        p.put("client_secret", SECRET);
        assertEquals(200, post("/oauth/token", form(p), null).statusCode(), "client_secret_post works too");
    }

    @Test
    void theCodeVerifierMustMatchTheChallenge() throws Exception {
        Pkce pkce = Pkce.create();
        String code = query(login(authorizeParams(pkce, "s", "n"), "agent", "agent-pw")).get("code");
        HttpResponse<String> r = redeem(code, Pkce.create().verifier(), SECRET);
        assertEquals(400, r.statusCode());
        assertEquals("invalid_grant", JSON.readTree(r.body()).get("error").asText());
        assertEquals(400, redeem(code, pkce.verifier(), SECRET).statusCode(), "a failed redemption used the code up");
    }

    @Test
    void theRedirectUriMustMatchTheAuthorizationRequest() throws Exception {
        Pkce pkce = Pkce.create();
        String code = query(login(authorizeParams(pkce, "s", "n"), "agent", "agent-pw")).get("code");
        Map<String, String> p = new LinkedHashMap<>();
        p.put("grant_type", "authorization_code");
        p.put("code", code);
        p.put("redirect_uri", "http://127.0.0.1:9/elsewhere");
        p.put("code_verifier", pkce.verifier());
        HttpResponse<String> r = post("/oauth/token", form(p), basic(SECRET));
        assertEquals(400, r.statusCode());
        assertEquals("invalid_grant", JSON.readTree(r.body()).get("error").asText());
    }

    @Test
    void requestsWithoutPkceOrWithPlainPkceAreSentBackWithAnError() throws Exception {
        Map<String, String> p = authorizeParams(Pkce.create(), "st", "n");
        p.remove("code_challenge");
        p.remove("code_challenge_method");
        HttpResponse<String> r = get("/authorize?" + form(p));
        assertEquals(302, r.statusCode());
        Map<String, String> q = query(URI.create(r.headers().firstValue("Location").orElseThrow()));
        assertEquals("invalid_request", q.get("error"));
        assertEquals("st", q.get("state"));

        p = authorizeParams(Pkce.create(), "st", "n");
        p.put("code_challenge_method", "plain");
        assertEquals("invalid_request", query(URI.create(get("/authorize?" + form(p)).headers()
                .firstValue("Location").orElseThrow())).get("error"));
    }

    @Test
    void aForeignRedirectUriOrUnknownClientIsNeverRedirectedTo() throws Exception {
        Map<String, String> p = authorizeParams(Pkce.create(), "s", "n");
        p.put("redirect_uri", "https://attacker.example/cb");
        HttpResponse<String> r = get("/authorize?" + form(p));
        assertEquals(400, r.statusCode());
        assertTrue(r.headers().firstValue("Location").isEmpty());
        p.put("username", "alice");
        p.put("password", "alice-pw");
        assertTrue(post("/authorize", form(p), null).headers().firstValue("Location").isEmpty(),
                "a correct password does not send a code to a foreign URI either");

        p = authorizeParams(Pkce.create(), "s", "n");
        p.put("client_id", "someone-else");
        r = get("/authorize?" + form(p));
        assertEquals(400, r.statusCode());
        assertTrue(r.headers().firstValue("Location").isEmpty());
    }

    @Test
    void aWrongPasswordShowsTheFormAgainWithEverythingEscaped() throws Exception {
        String state = "\"><script>alert(1)</script>";
        Map<String, String> p = authorizeParams(Pkce.create(), state, "n");
        p.put("username", "alice");
        p.put("password", "wrong");
        HttpResponse<String> r = post("/authorize", form(p), null);
        assertEquals(401, r.statusCode());
        assertTrue(r.headers().firstValue("Location").isEmpty());
        assertTrue(r.body().contains("Wrong username or password"));
        assertFalse(r.body().contains("<script>"), r.body());
        assertTrue(r.body().contains("&quot;&gt;&lt;script&gt;"), r.body());
        p.put("username", "nobody");
        assertEquals(401, post("/authorize", form(p), null).statusCode());
    }

    @Test
    void logoutReturnsToTheClient() throws Exception {
        HttpResponse<String> r = get("/logout?post_logout_redirect_uri="
                + URLEncoder.encode("http://127.0.0.1:9/console/logged-out.html", StandardCharsets.UTF_8) + "&state=x");
        assertEquals(302, r.statusCode());
        assertEquals("http://127.0.0.1:9/console/logged-out.html?state=x", r.headers().firstValue("Location").orElseThrow());
        r = get("/logout?post_logout_redirect_uri=" + URLEncoder.encode("https://attacker.example/", StandardCharsets.UTF_8));
        assertEquals(200, r.statusCode());
        assertTrue(r.headers().firstValue("Location").isEmpty());
    }

    @Test
    void anIssuerWithoutAClientSecretLogsNobodyIn() throws Exception {
        try (DevIssuer plain = DevIssuer.start("127.0.0.1", 0, "pgwarden")) {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(plain.issuer() + "/authorize?"
                    + form(authorizeParams(Pkce.create(), "s", "n")))).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(503, r.statusCode());
            assertTrue(r.body().contains("no client secret"), r.body());
        }
    }
}
