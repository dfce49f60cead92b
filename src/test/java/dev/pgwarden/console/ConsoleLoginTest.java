package dev.pgwarden.console;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.pgwarden.testing.GatewayTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * People log in to the console with the authorization code flow against the development issuer;
 * scripts keep using bearer tokens on /api exactly as before.
 */
@QuarkusTest
@QuarkusTestResource(GatewayTestResource.class)
class ConsoleLoginTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SCRIPT = "X-Requested-With";

    @TestHTTPResource("/")
    URI gateway;

    @Test
    void anonymousVisitorsAreSentToTheIssuerWithPkceStateAndNonce() throws Exception {
        HttpLogin browser = new HttpLogin(gateway);
        HttpResponse<String> r = browser.get("/console/");
        String location = HttpLogin.location(r);
        assertTrue(location.startsWith(GatewayTestResource.issuer().issuer() + "/authorize?"), location);
        String query = URLDecoder.decode(URI.create(location).getRawQuery(), StandardCharsets.UTF_8);
        assertTrue(query.contains("code_challenge_method=S256"), query);
        assertTrue(query.contains("nonce="), query);
        assertTrue(query.contains("state="), query);
        assertTrue(query.contains("redirect_uri=" + gateway.resolve("/console/callback")), query);
        assertTrue(r.headers().firstValue("Content-Security-Policy").orElse("").contains("script-src 'self'"));
    }

    @Test
    void anAuditorLogsInAndSeesTheConsoleWithItsSecurityHeaders() throws Exception {
        HttpLogin browser = new HttpLogin(gateway);
        HttpResponse<String> page = browser.login("/console/", "alice");
        assertEquals(200, page.statusCode(), page.body());
        assertEquals(gateway.resolve("/console/"), page.uri());
        String csp = page.headers().firstValue("Content-Security-Policy").orElse("");
        assertTrue(csp.contains("default-src 'none'") && csp.contains("script-src 'self'")
                && csp.contains("frame-ancestors 'none'"), csp);
        assertFalse(csp.contains("unsafe-inline"), csp);
        assertEquals("nosniff", page.headers().firstValue("X-Content-Type-Options").orElse(""));
        assertTrue(browser.hasCookie("q_session_console"));

        HttpResponse<String> me = browser.get("/api/me", SCRIPT, "JavaScript");
        assertEquals(200, me.statusCode(), me.body());
        JsonNode json = JSON.readTree(me.body());
        assertEquals("alice", json.get("subject").asText());
        assertEquals("auditors", json.get("groups").get(0).asText());
        assertTrue(json.get("may").get("audit").asBoolean());
        assertFalse(json.get("may").get("approve").asBoolean());
    }

    @Test
    void theSessionCookieAloneDoesNotAuthorizeApiCalls() throws Exception {
        HttpLogin browser = new HttpLogin(gateway);
        browser.login("/console/", "paul");
        // What the console's own script sends works...
        assertEquals(200, browser.get("/api/policy", SCRIPT, "JavaScript").statusCode());
        // ...a request that only rides on the cookie (a cross-site form or image, a CSRF) does not.
        assertEquals(401, browser.get("/api/policy").statusCode());
        assertEquals(401, browser.post("/api/policy/test", "application/json", "{\"subject\":\"x\",\"groups\":[],\"sql\":\"select 1\"}")
                .statusCode());
    }

    @Test
    void theConsolesScriptGets499NotARedirectWhenItsSessionIsNoGood() throws Exception {
        // A session cookie the gateway cannot decrypt (forged, or from before a secret rotation).
        given().header(SCRIPT, "JavaScript").cookie("q_session_console", "not-a-session").redirects().follow(false)
                .when().get("/api/policy").then().statusCode(499);
        // The same cookie on a page load starts the login instead.
        given().cookie("q_session_console", "not-a-session").redirects().follow(false)
                .when().get("/console/").then().statusCode(302);
    }

    @Test
    void theDeepLinkSurvivesTheLogin() throws Exception {
        HttpLogin browser = new HttpLogin(gateway);
        HttpResponse<String> page = browser.login("/console/approvals.html?id=a-1b2c", "ann");
        assertEquals(gateway.resolve("/console/approvals.html?id=a-1b2c"), page.uri());
        assertEquals(200, page.statusCode());
    }

    @Test
    void anAgentIsRefusedWithAPageSayingWhy() throws Exception {
        HttpLogin browser = new HttpLogin(gateway);
        HttpResponse<String> page = browser.login("/console/", "agent");
        assertEquals(403, page.statusCode());
        assertTrue(page.body().contains("Not allowed"), page.body());
        assertTrue(page.body().contains("<strong id=\"who\">agent</strong>"), page.body());
        assertTrue(page.body().contains("analysts"), page.body());
        assertTrue(page.headers().firstValue("Content-Security-Policy").isPresent());
        assertEquals(403, browser.get("/console/policy.html").statusCode());
        assertEquals(403, browser.get("/api/policy", SCRIPT, "JavaScript").statusCode());
    }

    @Test
    void theRefusalPageShowsNamesAsText() throws Exception {
        HttpLogin browser = new HttpLogin(gateway);
        HttpResponse<String> page = browser.login("/console/", "<i>eve</i>");
        assertEquals(403, page.statusCode());
        assertTrue(page.body().contains("<strong id=\"who\">&lt;i&gt;eve&lt;/i&gt;</strong>"), page.body());
        assertTrue(page.body().contains("&lt;b&gt;analysts&lt;/b&gt;"), page.body());
        assertFalse(page.body().contains("<i>eve") || page.body().contains("<b>analysts"), page.body());
    }

    @Test
    void scriptsKeepBearerTokensAnd401() {
        given().when().get("/api/policy").then().statusCode(401);
        given().header(SCRIPT, "JavaScript").when().get("/api/policy").then().statusCode(401);
        given().auth().oauth2(GatewayTestResource.token("agent-7", "analysts")).when().get("/api/policy")
                .then().statusCode(403);
        given().auth().oauth2(GatewayTestResource.token("paul", "pgwarden-admins")).when().get("/api/me")
                .then().statusCode(200);
        given().auth().oauth2(GatewayTestResource.token("paul", "pgwarden-admins")).when().get("/api/policy")
                .then().statusCode(200);
    }

    @Test
    void logoutEndsTheSessionAtTheGatewayAndTheIssuer() throws Exception {
        HttpLogin browser = new HttpLogin(gateway);
        browser.login("/console/", "alice");
        String toIssuer = HttpLogin.location(browser.get("/console/logout"));
        assertTrue(toIssuer.startsWith(GatewayTestResource.issuer().issuer() + "/logout?"), toIssuer);
        assertFalse(browser.hasCookie("q_session_console"), "the session cookie is gone");
        String back = HttpLogin.location(browser.get(toIssuer));
        HttpResponse<String> loggedOut = browser.get(back);
        assertEquals(200, loggedOut.statusCode());
        assertEquals("/console/logged-out.html", loggedOut.uri().getPath());
        assertTrue(HttpLogin.location(browser.get("/console/")).contains("/authorize?"), "logging in again is needed");
    }
}
