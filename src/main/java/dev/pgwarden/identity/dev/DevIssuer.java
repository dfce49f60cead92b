package dev.pgwarden.identity.dev;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
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
 * A minimal OpenID Connect issuer (discovery, JWKS, a token endpoint) for demos and tests.
 * Tokens are real RS256 JWTs, so the gateway validates them exactly as it would Keycloak's.
 * It hands a token to anyone who asks: never expose it beyond localhost or enable it in production.
 */
public final class DevIssuer implements AutoCloseable {
    private final HttpServer server;
    private final String issuer;
    private final String audience;
    private final List<RsaJsonWebKey> published = new CopyOnWriteArrayList<>();
    private volatile RsaJsonWebKey signingKey;

    private DevIssuer(HttpServer server, String issuer, String audience) {
        this.server = server;
        this.issuer = issuer;
        this.audience = audience;
        this.signingKey = newKey();
        published.add(signingKey);
    }

    public static DevIssuer start(String host, int port, String audience) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(host, port), 0);
        String issuer = "http://" + host + ":" + server.getAddress().getPort();
        DevIssuer dev = new DevIssuer(server, issuer, audience);
        server.createContext("/.well-known/openid-configuration", dev::discovery);
        server.createContext("/jwks", dev::jwks);
        server.createContext("/token.txt", ex -> dev.token(ex, false));
        server.createContext("/token", ex -> dev.token(ex, true));
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

    private void discovery(HttpExchange ex) throws IOException {
        String json = "{\"issuer\":\"" + issuer + "\",\"jwks_uri\":\"" + issuer + "/jwks\","
                + "\"token_endpoint\":\"" + issuer + "/token\","
                + "\"id_token_signing_alg_values_supported\":[\"RS256\"]}";
        respond(ex, 200, "application/json", json);
    }

    private void jwks(HttpExchange ex) throws IOException {
        JsonWebKeySet set = new JsonWebKeySet(new ArrayList<>(published));
        respond(ex, 200, "application/json", set.toJson());
    }

    private void token(HttpExchange ex, boolean json) throws IOException {
        Map<String, String> params = new HashMap<>(parse(ex.getRequestURI().getRawQuery()));
        if ("POST".equals(ex.getRequestMethod())) {
            params.putAll(parse(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8)));
        }
        String sub = params.get("sub");
        if (sub == null || sub.isBlank()) {
            respond(ex, 400, "text/plain", "sub is required\n");
            return;
        }
        List<String> groups = Arrays.stream(params.getOrDefault("groups", "").split(","))
                .filter(g -> !g.isBlank()).toList();
        long ttl = Long.parseLong(params.getOrDefault("ttl", "3600"));
        String token = token(sub, groups, Duration.ofSeconds(ttl));
        if (json) {
            respond(ex, 200, "application/json", "{\"access_token\":\"" + token
                    + "\",\"token_type\":\"Bearer\",\"expires_in\":" + ttl + "}");
        } else {
            respond(ex, 200, "text/plain", token);
        }
    }

    private static Map<String, String> parse(String form) {
        Map<String, String> out = new HashMap<>();
        if (form == null || form.isEmpty()) {
            return out;
        }
        for (String pair : form.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0) {
                out.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                        URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        return out;
    }

    private static void respond(HttpExchange ex, int status, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", type);
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
