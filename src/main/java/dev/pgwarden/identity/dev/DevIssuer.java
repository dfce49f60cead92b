package dev.pgwarden.identity.dev;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;

import org.jose4j.jwk.JsonWebKeySet;
import org.jose4j.jwk.RsaJsonWebKey;
import org.jose4j.jwk.RsaJwkGenerator;
import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jws.JsonWebSignature;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.lang.JoseException;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * A minimal OpenID Connect issuer for demos and tests: discovery, JWKS, a shortcut that hands an
 * access token to anyone who asks ({@code /token}, {@code /token.txt}), and, when given a client
 * secret and users, the authorization code flow with a login form ({@code /authorize},
 * {@code /oauth/token}, {@code /logout}). Tokens are real RS256 JWTs, so the gateway validates them
 * exactly as it would Keycloak's. Never expose it beyond localhost or enable it in production.
 */
public final class DevIssuer implements AutoCloseable {
    /** How long tokens from the code flow live. */
    static final Duration LOGIN_TOKEN_LIFETIME = Duration.ofMinutes(30);
    /** How long an authorization code may wait to be redeemed. */
    static final Duration CODE_LIFETIME = Duration.ofSeconds(60);

    private final HttpServer server;
    private final String issuer;
    private final String audience;
    private final List<RsaJsonWebKey> published = new CopyOnWriteArrayList<>();
    private volatile RsaJsonWebKey signingKey;
    private volatile boolean advertiseEndSession = true;

    private DevIssuer(HttpServer server, String issuer, String audience) {
        this.server = server;
        this.issuer = issuer;
        this.audience = audience;
        this.signingKey = newKey();
        published.add(signingKey);
    }

    /** An issuer without the login flow (its authorization endpoint says so). */
    public static DevIssuer start(String host, int port, String audience) throws IOException {
        return start(host, port, audience, null, Clock.systemUTC());
    }

    /** An issuer that also logs {@code login}'s users in; its client id is {@code audience}. */
    public static DevIssuer start(String host, int port, String audience, CodeFlowSettings login) throws IOException {
        return start(host, port, audience, login, Clock.systemUTC());
    }

    /** As above with a clock for authorization codes' expiry (tests). */
    public static DevIssuer start(String host, int port, String audience, CodeFlowSettings login, Clock clock)
            throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(host, port), 0);
        String issuer = "http://" + host + ":" + server.getAddress().getPort();
        DevIssuer dev = new DevIssuer(server, issuer, audience);
        AuthorizationCodes codes = new AuthorizationCodes(clock, CODE_LIFETIME);
        LoginEndpoint loginEndpoint = new LoginEndpoint(audience, login, codes);
        TokenEndpoint tokenEndpoint = new TokenEndpoint(audience, login, codes, dev.signer());
        server.createContext("/.well-known/openid-configuration", dev::discovery);
        server.createContext("/jwks", dev::jwks);
        server.createContext("/token.txt", ex -> dev.token(ex, false));
        server.createContext("/token", ex -> dev.token(ex, true));
        server.createContext("/authorize", loginEndpoint::authorize);
        server.createContext("/oauth/token", tokenEndpoint::handle);
        server.createContext("/logout", loginEndpoint::logout);
        server.setExecutor(Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "dev-issuer");
            t.setDaemon(true);
            return t;
        }));
        server.start();
        return dev;
    }

    public String issuer() {
        return issuer;
    }

    public String audience() {
        return audience;
    }

    /** A valid token for {@code subject} in {@code groups}. */
    public String token(String subject, List<String> groups, Duration ttl) {
        return sign(claims(subject, groups, issuer, audience, Instant.now().plus(ttl)), signingKey);
    }

    /** Full control over the claims, for tests of wrong issuer / audience / expiry. */
    public String token(String subject, List<String> groups, String iss, String aud, Instant expiresAt) {
        return sign(claims(subject, groups, iss, aud, expiresAt), signingKey);
    }

    /** A token signed by a key this issuer never published (a forgery). */
    public String forgedToken(String subject, List<String> groups) {
        RsaJsonWebKey foreign = newKey();
        foreign.setKeyId(signingKey.getKeyId()); // claim to be ours
        return sign(claims(subject, groups, issuer, audience, Instant.now().plusSeconds(600)), foreign);
    }

    /**
     * Leaves {@code end_session_endpoint} out of the discovery document, as many providers do (tests
     * of a relying party that must cope without RP-initiated logout).
     */
    public DevIssuer withoutEndSessionEndpoint() {
        advertiseEndSession = false;
        return this;
    }

    /** Starts signing with a new key published alongside the old ones (key rotation). */
    public void rotateKey() {
        RsaJsonWebKey next = newKey();
        published.add(next);
        signingKey = next;
    }

    private static JwtClaims claims(String subject, List<String> groups, String iss, String aud, Instant exp) {
        JwtClaims c = new JwtClaims();
        c.setIssuer(iss);
        c.setAudience(aud);
        c.setSubject(subject);
        c.setClaim("preferred_username", subject);
        c.setStringListClaim("groups", groups);
        c.setIssuedAtToNow();
        c.setExpirationTime(org.jose4j.jwt.NumericDate.fromSeconds(exp.getEpochSecond()));
        c.setJwtId(UUID.randomUUID().toString());
        return c;
    }

    private static String sign(JwtClaims claims, RsaJsonWebKey key) {
        JsonWebSignature jws = new JsonWebSignature();
        jws.setPayload(claims.toJson());
        jws.setKey(key.getPrivateKey());
        jws.setKeyIdHeaderValue(key.getKeyId());
        jws.setAlgorithmHeaderValue(AlgorithmIdentifiers.RSA_USING_SHA256);
        try {
            return jws.getCompactSerialization();
        } catch (JoseException e) {
            throw new IllegalStateException(e);
        }
    }

    private static RsaJsonWebKey newKey() {
        try {
            RsaJsonWebKey key = RsaJwkGenerator.generateJwk(2048);
            key.setKeyId(UUID.randomUUID().toString());
            key.setAlgorithm(AlgorithmIdentifiers.RSA_USING_SHA256);
            key.setUse("sig");
            return key;
        } catch (JoseException e) {
            throw new IllegalStateException(e);
        }
    }

    /** ID and access tokens for a redeemed code, signed with the current key. */
    private TokenEndpoint.Signer signer() {
        return new TokenEndpoint.Signer() {
            @Override
            public String idToken(AuthorizationCodes.Grant grant) {
                JwtClaims c = claims(grant.user().name(), grant.user().groups(), issuer, grant.clientId(),
                        Instant.now().plus(LOGIN_TOKEN_LIFETIME));
                c.setClaim("azp", grant.clientId());
                c.setClaim("auth_time", grant.authTime().getEpochSecond());
                if (grant.nonce() != null) {
                    c.setClaim("nonce", grant.nonce());
                }
                return sign(c, signingKey);
            }

            @Override
            public String accessToken(DevUser user) {
                return token(user.name(), user.groups(), LOGIN_TOKEN_LIFETIME);
            }

            @Override
            public long lifetimeSeconds() {
                return LOGIN_TOKEN_LIFETIME.toSeconds();
            }
        };
    }

    private void discovery(HttpExchange ex) throws IOException {
        String json = "{\"issuer\":\"" + issuer + "\",\"jwks_uri\":\"" + issuer + "/jwks\","
                + "\"authorization_endpoint\":\"" + issuer + "/authorize\","
                + "\"token_endpoint\":\"" + issuer + "/oauth/token\","
                + (advertiseEndSession ? "\"end_session_endpoint\":\"" + issuer + "/logout\"," : "")
                + "\"response_types_supported\":[\"code\"],\"grant_types_supported\":[\"authorization_code\"],"
                + "\"subject_types_supported\":[\"public\"],\"scopes_supported\":[\"openid\"],"
                + "\"code_challenge_methods_supported\":[\"S256\"],"
                + "\"token_endpoint_auth_methods_supported\":[\"client_secret_basic\",\"client_secret_post\"],"
                + "\"claims_supported\":[\"sub\",\"preferred_username\",\"groups\",\"nonce\",\"auth_time\"],"
                + "\"id_token_signing_alg_values_supported\":[\"RS256\"]}";
        DevHttp.respond(ex, 200, "application/json", json);
    }

    private void jwks(HttpExchange ex) throws IOException {
        JsonWebKeySet set = new JsonWebKeySet(new ArrayList<>(published));
        DevHttp.respond(ex, 200, "application/json", set.toJson());
    }

    /** The shortcut: a token for whatever subject and groups the caller names. */
    private void token(HttpExchange ex, boolean json) throws IOException {
        Map<String, String> params;
        try {
            params = DevHttp.parameters(ex);
        } catch (IllegalArgumentException e) {
            DevHttp.respond(ex, 400, "text/plain", e.getMessage() + "\n");
            return;
        }
        String sub = params.get("sub");
        if (sub == null || sub.isBlank()) {
            DevHttp.respond(ex, 400, "text/plain", "sub is required\n");
            return;
        }
        List<String> groups = Arrays.stream(params.getOrDefault("groups", "").split(","))
                .filter(g -> !g.isBlank()).toList();
        long ttl = Long.parseLong(params.getOrDefault("ttl", "3600"));
        String token = token(sub, groups, Duration.ofSeconds(ttl));
        if (json) {
            DevHttp.respond(ex, 200, "application/json", "{\"access_token\":\"" + token
                    + "\",\"token_type\":\"Bearer\",\"expires_in\":" + ttl + "}");
        } else {
            DevHttp.respond(ex, 200, "text/plain", token);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
