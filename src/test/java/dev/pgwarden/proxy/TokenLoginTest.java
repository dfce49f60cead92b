package dev.pgwarden.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Properties;

import org.junit.jupiter.api.Test;

import dev.pgwarden.identity.dev.DevIssuer;
import dev.pgwarden.testing.Gateway;
import dev.pgwarden.testing.Jdbc;
import dev.pgwarden.testing.GatewayTestResource;
import dev.pgwarden.testing.PostgresFixture;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;

/** Tokens are validated for real: signature via JWKS, issuer, audience, expiry, groups -> role. */
@QuarkusTest
@QuarkusTestResource(GatewayTestResource.class)
class TokenLoginTest {

    private static SQLException loginFails(String token) {
        Properties p = new Properties();
        p.setProperty("user", "agent-7");
        p.setProperty("password", token);
        SQLException e = assertThrows(SQLException.class, () -> Jdbc.connect(Gateway.jdbcUrl(""), p).close());
        assertFalse(e.getMessage().contains(token), "the error must not echo the token");
        return e;
    }

    private static DevIssuer issuer() {
        return GatewayTestResource.issuer();
    }

    @Test
    void expiredTokenIsRefused() {
        String token = issuer().token("agent-7", List.of("analysts"), issuer().issuer(), issuer().audience(),
                Instant.now().minusSeconds(600));
        SQLException e = loginFails(token);
        assertEquals("28P01", e.getSQLState());
        assertTrue(e.getMessage().contains("expired"), e.getMessage());
    }

    @Test
    void wrongAudienceIsRefused() {
        String token = issuer().token("agent-7", List.of("analysts"), issuer().issuer(), "some-other-api",
                Instant.now().plusSeconds(600));
        SQLException e = loginFails(token);
        assertEquals("28P01", e.getSQLState());
        assertTrue(e.getMessage().contains("audience"), e.getMessage());
    }

    @Test
    void wrongIssuerIsRefused() {
        String token = issuer().token("agent-7", List.of("analysts"), "https://evil.example.com", issuer().audience(),
                Instant.now().plusSeconds(600));
        SQLException e = loginFails(token);
        assertEquals("28P01", e.getSQLState());
        assertTrue(e.getMessage().contains("issuer"), e.getMessage());
    }

    @Test
    void forgedSignatureIsRefused() {
        SQLException e = loginFails(issuer().forgedToken("agent-7", List.of("analysts")));
        assertEquals("28P01", e.getSQLState());
    }

    @Test
    void aPasswordThatIsNoTokenIsRefused() {
        SQLException e = loginFails("hunter2");
        assertEquals("28P01", e.getSQLState());
        assertTrue(e.getMessage().contains("not an OIDC access token"), e.getMessage());
    }

    @Test
    void groupsWithoutARoleMappingAreRefused() {
        SQLException e = loginFails(GatewayTestResource.token("intruder", "marketing"));
        assertEquals("28000", e.getSQLState());
        assertTrue(e.getMessage().contains("no database role is mapped"), e.getMessage());
    }

    @Test
    void rotatedSigningKeysAreFetchedFromJwks() throws Exception {
        issuer().rotateKey();
        try (Connection c = Gateway.analyst(); ResultSet rs = c.createStatement().executeQuery("SELECT current_user")) {
            rs.next();
            assertEquals("analyst_ro", rs.getString(1));
        }
    }

    @Test
    void theFirstMatchingRoleMappingWins() throws Exception {
        try (Connection c = Gateway.connect("both", "", "support", "analysts");
                ResultSet rs = c.createStatement().executeQuery("SELECT current_user")) {
            rs.next();
            assertEquals("analyst_ro", rs.getString(1), "analysts is listed first in the policy");
        }
    }

    @Test
    void aDatabaseTheGatewayDoesNotServeIsRefused() {
        Properties p = new Properties();
        p.setProperty("user", "agent-7");
        p.setProperty("password", GatewayTestResource.token("agent-7", "analysts"));
        String url = "jdbc:postgresql://127.0.0.1:" + GatewayTestResource.gatewayPort() + "/postgres?sslmode=disable";
        SQLException e = assertThrows(SQLException.class, () -> Jdbc.connect(url, p).close());
        assertEquals("3D000", e.getSQLState());
    }

    @Test
    void tokensAndTheUpstreamPasswordNeverReachTheLog() throws Exception {
        String token = GatewayTestResource.token("agent-7", "analysts");
        Properties p = new Properties();
        p.setProperty("user", "agent-7");
        p.setProperty("password", token);
        Jdbc.connect(Gateway.jdbcUrl(""), p).close();
        loginFails(token.substring(0, token.length() - 4) + "AAAA");
        Path log = Path.of("target/quarkus.log");
        assertTrue(Files.exists(log), "tests log to target/quarkus.log");
        String text = Files.readString(log);
        assertTrue(text.contains("session"), "the log has session lines, so the check below is meaningful");
        assertFalse(text.contains(token.split("\\.")[2]), "no token signature in the log");
        assertFalse(text.contains(PostgresFixture.GATEWAY_PASSWORD), "no upstream password in the log");
    }

    @Test
    void theTokenStillWorksAfterManyLogins() throws Exception {
        String token = issuer().token("agent-7", List.of("analysts"), Duration.ofMinutes(5));
        for (int i = 0; i < 20; i++) {
            Properties p = new Properties();
            p.setProperty("user", "agent-7");
            p.setProperty("password", token);
            Jdbc.connect(Gateway.jdbcUrl(""), p).close();
        }
    }
}
