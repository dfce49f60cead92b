package dev.pgwarden.console;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;

import dev.pgwarden.gate.MaskingPolicyProfile;
import dev.pgwarden.testing.Chromium;
import dev.pgwarden.testing.Gateway;
import dev.pgwarden.testing.GatewayTestResource;
import dev.pgwarden.testing.PostgresFixture;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * An auditor replays, in a real browser, a session an agent ran through the gateway under the
 * masking policy: every statement with its decision, and the results as the agent saw them, with
 * the raw values nowhere on the page.
 */
@QuarkusTest
@QuarkusTestResource(GatewayTestResource.class)
@TestProfile(MaskingPolicyProfile.class)
class ConsoleReplayBrowserTest {
    private static final String READ = "SELECT id, name, ssn, card_number, email FROM customers WHERE id = 7";
    /** A result value that is live HTML if anyone renders it as such. */
    private static final String HARMLESS = "SELECT 41 + 1 AS answer, '<img src=x id=pwned>' AS tag";
    private static final String WRITE = "DELETE FROM orders WHERE id = 1";
    private static Chromium browser;
    private static String ssn;
    private static String card;
    private static String email;

    @TestHTTPResource("/")
    URI gateway;

    @BeforeAll
    static void start() {
        // What PostgreSQL itself holds: the values that must never reach the agent or the auditor's page.
        PostgresFixture pg = PostgresFixture.shared();
        ssn = pg.queryForString("SELECT ssn FROM customers WHERE id = 7");
        card = pg.queryForString("SELECT card_number FROM customers WHERE id = 7");
        email = pg.queryForString("SELECT email FROM customers WHERE id = 7");
        assertTrue(ssn.matches("\\d{3}-\\d{2}-\\d{4}"), ssn);
        browser = Chromium.start();
    }

    @AfterAll
    static void stop() {
        if (browser != null) {
            browser.close();
        }
    }

    @BeforeEach
    void loggedOut() {
        browser.forgetEverything();
    }

    /** Runs the agent's session through the gateway and returns its id from the audit API. */
    private static String agentSession(String agent) throws Exception {
        try (Connection c = Gateway.connect(agent, "ApplicationName=replay-test", "analysts");
                Statement st = c.createStatement()) {
            try (ResultSet rs = st.executeQuery(READ)) {
                assertTrue(rs.next());
                assertNotEquals(ssn, rs.getString("ssn"), "the agent gets the SSN masked");
            }
            try (ResultSet rs = st.executeQuery(HARMLESS)) {
                assertTrue(rs.next());
            }
            SQLException refused = assertThrows(SQLException.class, () -> st.execute(WRITE));
            assertEquals("42501", refused.getSQLState());
        }
        String auditor = GatewayTestResource.token("alice", "auditors");
        long deadline = System.currentTimeMillis() + 20_000;
        while (System.currentTimeMillis() < deadline) {
            List<Map<String, Object>> sessions = given().auth().oauth2(auditor).queryParam("subject", agent)
                    .get("/api/sessions").then().statusCode(200).extract().jsonPath().getList("");
            if (!sessions.isEmpty() && sessions.get(0).get("endedAt") != null) {
                return (String) sessions.get(0).get("id");
            }
            Thread.sleep(50);
        }
        throw new AssertionError("the session of " + agent + " was not recorded as ended");
    }

    private String statementText() {
        return browser.visible(By.id("statement-text")).getText();
    }

    /** Steps forward until the statement shown is {@code sql}. */
    private void forwardTo(String sql) {
        for (int i = 0; i < 20 && !statementText().equals(sql); i++) {
            String before = browser.driver().findElement(By.id("position")).getText();
            browser.driver().findElement(By.id("next")).click();
            browser.await(d -> !d.findElement(By.id("position")).getText().equals(before));
        }
        assertEquals(sql, statementText());
    }

    private void assertNoRawValues() {
        String page = browser.pageSource();
        assertFalse(page.contains(ssn), "the raw SSN is on the page");
        assertFalse(page.contains(ssn.replace("-", "")), "the raw SSN's digits are on the page");
        assertFalse(page.contains(card), "the raw card number is on the page");
        assertFalse(page.contains(email), "the raw e-mail is on the page");
    }

    @Test
    void anAuditorReplaysTheSessionAndSeesOnlyWhatTheAgentSaw() throws Exception {
        String id = agentSession("agent-replay");

        browser.open(gateway.resolve("/console/sessions.html?subject=agent-replay").toString());
        browser.logIn("alice", GatewayTestResource.password("alice"));
        WebElement row = browser.visible(By.cssSelector("#sessions tr[data-session-id='" + id + "']"));
        assertTrue(row.getText().contains("agent-replay") && row.getText().contains("replay-test"), row.getText());
        row.findElement(By.cssSelector("a.replay-link")).click();

        browser.awaitText(By.id("session-subject"), "agent-replay");
        forwardTo(READ);
        assertEquals("masked", browser.driver().findElement(By.id("decision-text")).getText());
        WebElement result = browser.visible(By.id("result"));
        List<String> headers = result.findElements(By.cssSelector("thead th")).stream()
                .map(th -> th.getText().lines().findFirst().orElse("")).toList();
        assertEquals(List.of("id", "name", "ssn", "card_number", "email"), headers);
        List<WebElement> cells = result.findElements(By.cssSelector("tbody tr:first-child td"));
        assertEquals("7", cells.get(0).getText());
        assertEquals("****", cells.get(2).getText(), "the SSN as the agent saw it");
        assertTrue(cells.get(3).getText().matches("\\*+\\d{4}"), cells.get(3).getText());
        assertTrue(cells.get(2).getAttribute("class").contains("masked"), "masked values are marked as such");
        assertNoRawValues();

        browser.driver().findElement(By.id("next")).click();
        browser.awaitText(By.id("statement-text"), HARMLESS);
        assertEquals("42", browser.visible(By.cssSelector("#result tbody td")).getText());
        assertEquals("<img src=x id=pwned>", browser.driver().findElement(By.cssSelector("#result tbody td:nth-child(2)"))
                .getText(), "the value is shown as the text it is");
        assertTrue(browser.driver().findElements(By.id("pwned")).isEmpty(), "no element was made of it");

        browser.driver().findElement(By.id("next")).click();
        browser.awaitText(By.id("statement-text"), WRITE);
        assertEquals("refused", browser.driver().findElement(By.id("decision-text")).getText());
        assertEquals("agents-read-only", browser.driver().findElement(By.id("rule")).getText());
        String error = browser.visible(By.id("statement-error")).getText();
        assertTrue(error.startsWith("42501") && error.contains("agents are read-only"), error);

        browser.driver().findElement(By.id("prev")).click();
        browser.awaitText(By.id("statement-text"), HARMLESS);

        // Play from the start runs through to the last statement and stops there.
        browser.driver().findElement(By.id("first")).click();
        browser.driver().findElement(By.id("play")).click();
        browser.awaitText(By.id("statement-text"), WRITE);
        browser.await(d -> d.findElement(By.id("play")).getText().contains("Play"));
        assertNoRawValues();
    }

    @Test
    void theSessionListFiltersByDecision() throws Exception {
        String id = agentSession("agent-filter");
        String clean = "agent-clean";
        try (Connection c = Gateway.connect(clean, "", "analysts"); Statement st = c.createStatement()) {
            st.executeQuery(HARMLESS).close();
        }
        By cleanRow = By.xpath("//table[@id='sessions']//td[text()='" + clean + "']");
        browser.open(gateway.resolve("/console/sessions.html").toString());
        browser.logIn("alice", GatewayTestResource.password("alice"));
        browser.visible(cleanRow); // unfiltered, both sessions are listed
        new org.openqa.selenium.support.ui.Select(browser.driver().findElement(By.id("f-decision")))
                .selectByValue("refused");
        browser.driver().findElement(By.id("search")).click();
        browser.visible(By.cssSelector("#sessions[data-query*='decision=refused']"));
        assertTrue(browser.driver().getCurrentUrl().contains("decision=refused"), "the filter is in the URL");
        assertEquals(1, browser.driver().findElements(By.cssSelector("#sessions tr[data-session-id='" + id + "']")).size());
        assertTrue(browser.driver().findElements(cleanRow).isEmpty(), "a session without refusals is filtered out");
    }
}
