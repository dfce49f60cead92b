package dev.pgwarden.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Properties;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.pgwarden.testing.Gateway;
import dev.pgwarden.testing.GatewayTestResource;
import dev.pgwarden.testing.Jdbc;
import dev.pgwarden.testing.PgTarget;
import dev.pgwarden.testing.PostgresFixture;
import dev.pgwarden.testing.ProcessResult;
import dev.pgwarden.testing.Psql;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * An identity provider without {@code end_session_endpoint} (many have none): the gateway starts,
 * its PostgreSQL listener logs people in, and the console's logout is local (the session cookie is
 * cleared, then the "logged out" page).
 */
@QuarkusTest
@QuarkusTestResource(GatewayTestResource.class)
@TestProfile(NoEndSessionProfile.class)
class LogoutWithoutEndSessionTest {
    @TestHTTPResource("/")
    URI gateway;

    @Test
    void theProviderAdvertisesNoEndSessionEndpoint() throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create(NoEndSessionProfile.ISSUER.issuer() + "/.well-known/openid-configuration")).build(),
                HttpResponse.BodyHandlers.ofString());
        JsonNode discovery = new ObjectMapper().readTree(r.body());
        assertTrue(discovery.has("authorization_endpoint"), r.body());
        assertFalse(discovery.has("end_session_endpoint"), r.body());
    }

    @Test
    void theListenerLogsInPgjdbcAndPsqlWithThisProvidersTokens() throws Exception {
        String token = NoEndSessionProfile.ISSUER.token("agent-noend", List.of("analysts"), Duration.ofMinutes(5));
        Properties p = new Properties();
        p.setProperty("user", "agent-noend");
        p.setProperty("password", token);
        try (Connection c = Jdbc.connect(Gateway.jdbcUrl(""), p); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT current_user")) {
            assertTrue(rs.next());
            assertEquals("analyst_ro", rs.getString(1));
        }
        ProcessResult psql = Psql.to(new PgTarget("127.0.0.1", GatewayTestResource.gatewayPort(), "agent-noend",
                PostgresFixture.DATABASE, token)).command("SELECT count(*) FROM customers");
        assertEquals(0, psql.exitCode(), psql.toString());
        assertEquals("100", psql.stdout().strip(), psql.toString());
    }

    @Test
    void consoleLogoutClearsTheSessionCookieAndShowsTheLoggedOutPage() throws Exception {
        HttpLogin browser = new HttpLogin(gateway);
        HttpResponse<String> page = browser.login("/console/", "alice", NoEndSessionProfile.ISSUER.issuer());
        assertEquals(200, page.statusCode(), page.body());
        assertTrue(browser.hasCookie("q_session_console"));

        String loggedOut = HttpLogin.location(browser.get("/console/logout"));
        assertEquals(gateway.resolve("/console/logged-out.html").toString(), gateway.resolve(loggedOut).toString(),
                "local logout: straight to the logged-out page, never to the provider");
        assertFalse(browser.hasCookie("q_session_console"), "the session cookie is gone");
        HttpResponse<String> done = browser.get(loggedOut);
        assertEquals(200, done.statusCode());
        assertTrue(done.body().contains("You are logged out"), done.body());
        assertTrue(HttpLogin.location(browser.get("/console/")).startsWith(NoEndSessionProfile.ISSUER.issuer() + "/authorize?"),
                "logging in again is needed");
    }

    @Test
    void someoneTheConsoleHasNothingForCanLogOutToo() throws Exception {
        HttpLogin browser = new HttpLogin(gateway);
        HttpResponse<String> page = browser.login("/console/", "agent", NoEndSessionProfile.ISSUER.issuer());
        assertEquals(403, page.statusCode(), page.body());
        assertTrue(page.body().contains("/console/logout"), page.body());
        assertEquals(gateway.resolve("/console/logged-out.html").toString(),
                gateway.resolve(HttpLogin.location(browser.get("/console/logout"))).toString());
        assertFalse(browser.hasCookie("q_session_console"), "the session cookie is gone");
    }
}
