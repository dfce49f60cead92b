package dev.pgwarden.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import dev.pgwarden.identity.dev.CodeFlowSettings;
import dev.pgwarden.identity.dev.DevIssuer;
import dev.pgwarden.identity.dev.DevUser;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * Starts what a gateway under test talks to: the throwaway PostgreSQL cluster, a real token
 * issuer (signed JWTs, JWKS), a policy file and a self-signed TLS certificate; then points the
 * gateway's configuration at them.
 */
public class GatewayTestResource implements QuarkusTestResourceLifecycleManager {
    public static final String POLICY = """
            roles:
              - group: analysts
                role: analyst_ro
              - group: support
                role: support_ro
            """;

    /** People the issuer's login form knows; each one's password is {@link #password}. */
    public static final List<DevUser> PEOPLE = List.of(
            new DevUser("alice", password("alice"), List.of("auditors")),
            new DevUser("ann", password("ann"), List.of("pgwarden-approvers")),
            new DevUser("paul", password("paul"), List.of("pgwarden-admins")),
            new DevUser("agent", password("agent"), List.of("analysts")),
            new DevUser("<i>eve</i>", password("<i>eve</i>"), List.of("<b>analysts</b>")));
    /** The console's client secret at the issuer (random per run). */
    private static final String CONSOLE_SECRET = UUID.randomUUID() + "-" + UUID.randomUUID();

    private static DevIssuer issuer;
    private static int gatewayPort;
    private static Path workDir;

    @Override
    public Map<String, String> start() {
        PostgresFixture pg = PostgresFixture.shared();
        try {
            if (issuer == null) {
                issuer = DevIssuer.start("127.0.0.1", 0, "pgwarden", new CodeFlowSettings(CONSOLE_SECRET, PEOPLE));
                workDir = Files.createTempDirectory("pgwarden-gw-test");
                Files.writeString(workDir.resolve("policy.yaml"), POLICY);
                SelfSignedCertificate.create(workDir);
            }
            gatewayPort = freePort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<String, String> cfg = new HashMap<>();
        cfg.put("pgwarden.listen.host", "127.0.0.1");
        cfg.put("pgwarden.listen.port", Integer.toString(gatewayPort));
        cfg.put("pgwarden.listen.tls-cert-file", workDir.resolve("cert.pem").toString());
        cfg.put("pgwarden.listen.tls-key-file", workDir.resolve("key.pem").toString());
        cfg.put("pgwarden.listen.auth-timeout", "PT8S"); // short, yet a login on a loaded machine makes it
        cfg.put("pgwarden.listen.max-message-size", "1048576");
        cfg.put("pgwarden.upstream.host", pg.host());
        cfg.put("pgwarden.upstream.port", Integer.toString(pg.port()));
        cfg.put("pgwarden.upstream.database", pg.database());
        cfg.put("pgwarden.upstream.user", PostgresFixture.GATEWAY_USER);
        cfg.put("pgwarden.upstream.password", PostgresFixture.GATEWAY_PASSWORD);
        cfg.put("pgwarden.policy.file", policyFile().toString());
        cfg.put("pgwarden.policy.reload-interval", "PT0.5S");
        cfg.put("quarkus.datasource.jdbc.url", pg.storeJdbcUrl());
        cfg.put("quarkus.datasource.username", PostgresFixture.STORE_USER);
        cfg.put("quarkus.datasource.password", PostgresFixture.STORE_PASSWORD);
        // Small capture caps, so tests see truncation with the fixture's 100 customers.
        cfg.put("pgwarden.audit.capture-rows", "50");
        cfg.put("pgwarden.audit.capture-bytes", "16384");
        cfg.put("quarkus.oidc.auth-server-url", issuer.issuer());
        cfg.put("quarkus.oidc.token.audience", issuer.audience());
        cfg.put("quarkus.oidc.console.credentials.secret", CONSOLE_SECRET);
        cfg.put("quarkus.http.test-port", "0");
        return cfg;
    }

    @Override
    public void stop() {
        // The issuer and the cluster are shared by every test class of the JVM; both die with it.
    }

    public static DevIssuer issuer() {
        return issuer;
    }

    public static int gatewayPort() {
        return gatewayPort;
    }

    public static Path policyFile() {
        return workDir.resolve("policy.yaml");
    }

    public static Path certFile() {
        return workDir.resolve("cert.pem");
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** The login password of one of {@link #PEOPLE}. */
    public static String password(String user) {
        return user + "-test-pw";
    }

    /** A token for {@code subject} in {@code groups}, valid for ten minutes. */
    public static String token(String subject, String... groups) {
        return issuer.token(subject, List.of(groups), java.time.Duration.ofMinutes(10));
    }
}
