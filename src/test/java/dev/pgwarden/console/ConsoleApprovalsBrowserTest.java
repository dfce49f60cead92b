package dev.pgwarden.console;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebElement;

import dev.pgwarden.approvals.ApprovalsProfile;
import dev.pgwarden.testing.Chromium;
import dev.pgwarden.testing.Gateway;
import dev.pgwarden.testing.GatewayTestResource;
import dev.pgwarden.testing.Jdbc;
import dev.pgwarden.testing.PostgresFixture;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * The approval queue in a real browser: an agent's statement is held by the gateway, an approver
 * decides in the console, and the agent's own session resumes (or fails) accordingly.
 */
@QuarkusTest
@QuarkusTestResource(GatewayTestResource.class)
@TestProfile(ApprovalsProfile.class)
class ConsoleApprovalsBrowserTest {
    /** A SELECT over the 'big-reads' threshold whose text is live HTML if anyone renders it as such. */
    private static final String HELD = "SELECT id, '<img src=x id=pwned>' AS tag FROM orders ORDER BY id";
    private static Chromium browser;

    @TestHTTPResource("/")
    URI gateway;

    @BeforeAll
    static void startBrowser() {
        browser = Chromium.start();
    }

    @AfterAll
    static void stopBrowser() {
        if (browser != null) {
            browser.close();
        }
    }

    @BeforeEach
    void loggedOut() {
        browser.forgetEverything();
    }

    @Test
    void anApproverApprovesFromTheCardsLinkAndTheAgentGetsItsRows() throws Exception {
        String agent = "agent-console-approve";
        try (Connection c = Gateway.connect(agent, "", "analysts"); Statement st = c.createStatement()) {
            CompletableFuture<List<String>> rows = CompletableFuture.supplyAsync(() -> firstColumn(st, HELD));
            String id = awaitPending(agent);
            assertFalse(rows.isDone(), "the statement waits for a decision");

            // The link a Slack or Teams card carries, through the login.
            browser.open(gateway.resolve("/console/approvals.html?id=" + id).toString());
            browser.logIn("ann", GatewayTestResource.password("ann"));
            WebElement card = browser.visible(By.cssSelector("#requested-card [data-approval-id='" + id + "']"));
            assertEquals(HELD, card.findElement(By.cssSelector("pre.statement")).getText());
            assertEquals(agent, card.findElement(By.cssSelector(".requester")).getText());
            assertEquals("big-reads", card.findElement(By.cssSelector(".rule")).getText());
            assertEquals(PostgresFixture.ORDER_COUNT, Integer.parseInt(
                    card.findElement(By.cssSelector(".estimate")).getText().replace(",", "")));
            // The statement is live HTML, yet the page shows it as text and made no element of it.
            assertTrue((Boolean) ((JavascriptExecutor) browser.driver()).executeScript(
                    "const d = document.createElement('div'); d.innerHTML = arguments[0];"
                            + " return d.querySelector('#pwned') !== null;", HELD), "the payload is live HTML");
            assertTrue(browser.driver().findElements(By.id("pwned")).isEmpty(), "no element was made of the statement");

            card.findElement(By.cssSelector("input.reason")).sendKeys("ticket OPS-7");
            card.findElement(By.cssSelector("button.approve")).click();
            WebElement decision = browser.driver().findElement(By.id("decision"));
            browser.await(d -> "DECIDED".equals(decision.getAttribute("data-result")));

            List<String> got = rows.get(30, TimeUnit.SECONDS);
            assertEquals(PostgresFixture.ORDER_COUNT, got.size());
            Map<String, Object> decided = approval(id);
            assertEquals("APPROVED", decided.get("status"));
            assertEquals("ann", decided.get("decidedBy"));
            assertEquals("ticket OPS-7", decided.get("reason"));
            WebElement history = browser.visible(By.cssSelector("#history tr[data-approval-id='" + id + "']"));
            assertTrue(history.getText().contains("APPROVED") && history.getText().contains("ann"), history.getText());

            // An auditor's replay of the agent's session shows the statement ran on that approval.
            browser.forgetEverything();
            browser.open(gateway.resolve("/console/session.html?id=" + decided.get("sessionId")).toString());
            browser.logIn("alice", GatewayTestResource.password("alice"));
            browser.visible(By.cssSelector("#session-approvals a[href$='?id=" + id + "']"));
            for (int i = 0; i < 10 && !browser.visible(By.id("statement-text")).getText().equals(HELD); i++) {
                String before = browser.driver().findElement(By.id("position")).getText();
                browser.driver().findElement(By.id("next")).click();
                browser.await(d -> !d.findElement(By.id("position")).getText().equals(before));
            }
            browser.awaitText(By.id("statement-text"), HELD);
            assertEquals("approved", browser.driver().findElement(By.id("decision-text")).getText());
            browser.visible(By.cssSelector("#statement-facts a[href$='?id=" + id + "']"));
        }
    }

    @Test
    void anApproverDeniesFromTheQueueOnlyWithAReason() throws Exception {
        String agent = "agent-console-deny";
        try (Connection c = Gateway.connect(agent, "", "analysts"); Statement st = c.createStatement()) {
            CompletableFuture<List<String>> rows = CompletableFuture.supplyAsync(() -> firstColumn(st, HELD));
            String id = awaitPending(agent);

            browser.open(gateway.resolve("/console/approvals.html").toString());
            browser.logIn("ann", GatewayTestResource.password("ann"));
            WebElement card = browser.visible(By.cssSelector("#pending [data-approval-id='" + id + "']"));
            card.findElement(By.cssSelector("button.deny")).click();
            WebElement outcome = card.findElement(By.cssSelector(".outcome"));
            browser.await(d -> outcome.isDisplayed());
            assertTrue(outcome.getText().contains("Say why"), outcome.getText());
            assertEquals("PENDING", approval(id).get("status"), "nothing was sent without a reason");

            card.findElement(By.cssSelector("input.reason")).sendKeys("not during the freeze");
            card.findElement(By.cssSelector("button.deny")).click();
            WebElement decision = browser.driver().findElement(By.id("decision"));
            browser.await(d -> "DECIDED".equals(decision.getAttribute("data-result")));
            ExecutionException e = assertThrows(ExecutionException.class, () -> rows.get(30, TimeUnit.SECONDS));
            SQLException sql = (SQLException) e.getCause();
            assertEquals("42501", sql.getSQLState());
            assertTrue(sql.getMessage().contains("not during the freeze"), sql.getMessage());
        }
    }

    @Test
    void anAdminWhoIsNoApproverSeesTheQueueWithoutButtons() throws Exception {
        String agent = "agent-console-readonly";
        try (Connection c = Gateway.connect(agent, "", "analysts"); Statement st = c.createStatement()) {
            CompletableFuture<List<String>> rows = CompletableFuture.supplyAsync(() -> firstColumn(st, HELD));
            String id = awaitPending(agent);
            browser.open(gateway.resolve("/console/approvals.html").toString());
            browser.logIn("paul", GatewayTestResource.password("paul"));
            WebElement card = browser.visible(By.cssSelector("#pending [data-approval-id='" + id + "']"));
            assertTrue(card.findElements(By.cssSelector("button")).isEmpty(), "no Approve/Deny for a non-approver");
            assertTrue(browser.driver().findElement(By.id("approver-note")).isDisplayed());
            // The API agrees: reading is allowed, deciding is not.
            given().auth().oauth2(GatewayTestResource.token("paul", "pgwarden-admins")).contentType("application/json")
                    .body(Map.of("reason", "x")).post("/api/approvals/" + id + "/approve").then().statusCode(403);
            given().auth().oauth2(GatewayTestResource.token("ann", "pgwarden-approvers")).contentType("application/json")
                    .body(Map.of("reason", "cleanup")).post("/api/approvals/" + id + "/deny").then().statusCode(200);
            assertThrows(ExecutionException.class, () -> rows.get(30, TimeUnit.SECONDS));
        }
    }

    private static String awaitPending(String subject) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 20_000;
        while (System.currentTimeMillis() < deadline) {
            List<Map<String, Object>> pending = given().auth().oauth2(GatewayTestResource.token("ann", "pgwarden-approvers"))
                    .queryParam("status", "PENDING").get("/api/approvals").then().statusCode(200)
                    .extract().jsonPath().getList("");
            for (Map<String, Object> r : pending) {
                if (subject.equals(r.get("subject"))) {
                    assertNull(r.get("decidedBy"));
                    return (String) r.get("id");
                }
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no pending approval request for " + subject);
    }

    private static Map<String, Object> approval(String id) {
        return given().auth().oauth2(GatewayTestResource.token("ann", "pgwarden-approvers")).get("/api/approvals/" + id)
                .then().statusCode(200).extract().jsonPath().getMap("");
    }

    private static List<String> firstColumn(Statement st, String sql) {
        return Jdbc.firstColumn(st, sql);
    }
}
