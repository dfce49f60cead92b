package dev.pgwarden.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.sql.Connection;
import java.sql.Statement;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;

import dev.pgwarden.budgets.BudgetsProfile;
import dev.pgwarden.testing.Chromium;
import dev.pgwarden.testing.Gateway;
import dev.pgwarden.testing.GatewayTestResource;
import dev.pgwarden.testing.Jdbc;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * The budgets page in a real browser: an auditor sees who spent how much of which budget and the
 * crossing; an identity whose name holds markup is shown as text.
 */
@QuarkusTest
@QuarkusTestResource(GatewayTestResource.class)
@TestProfile(BudgetsProfile.class)
class ConsoleBudgetsBrowserTest {
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
    void anAuditorSeesWhoSpentWhichBudgetAndNamesStayText() throws Exception {
        String agent = "<b>agent-budget-console</b>";
        try (Connection c = Gateway.connect(agent, "", "analysts"); Statement st = c.createStatement()) {
            assertEquals(50, Jdbc.firstColumn(st, "SELECT id FROM customers ORDER BY id LIMIT 50").size());
            assertEquals(10, Jdbc.firstColumn(st, "SELECT id FROM customers ORDER BY id LIMIT 10 OFFSET 50").size());
        }
        browser.open(gateway.resolve("/console/budgets.html").toString());
        browser.logIn("alice", GatewayTestResource.password("alice"));
        String[] row = browser.await(d -> usageRow(d, agent));
        assertEquals("0", row[0], "the name is text, not markup");
        assertEquals("60 of 60", row[1]);
        assertTrue(row[2].startsWith("spent"), row[2]);
        assertTrue(browser.driver().findElement(By.id("nav-budgets")).isDisplayed());

        // The crossing, once a replica has recorded it (the page is refreshed until it shows).
        browser.await(d -> {
            d.findElement(By.id("refresh")).click();
            try {
                return d.findElements(By.cssSelector("#crossings tbody tr")).stream()
                        .anyMatch(r -> r.findElement(By.cssSelector("td.subject")).getText().equals(agent)
                                && !r.findElement(By.cssSelector("td.mono")).getText().equals("—")) ? true : null;
            } catch (StaleElementReferenceException e) {
                return null; // re-rendered meanwhile
            }
        });
    }

    /** {markup elements in the name cell, rows cell, state cell} of {@code subject}'s row, or null while absent. */
    static String[] usageRow(WebDriver d, String subject) {
        try {
            for (WebElement r : d.findElements(By.cssSelector(
                    "section.budget[data-budget='" + BudgetsProfile.BUDGET + "'] tbody tr"))) {
                WebElement name = r.findElement(By.cssSelector("td.subject"));
                if (name.getText().equals(subject)) {
                    return new String[] { Integer.toString(name.findElements(By.tagName("b")).size()),
                            r.findElement(By.cssSelector("td.rows")).getText(),
                            r.findElement(By.cssSelector("td.state")).getText() };
                }
            }
            return null;
        } catch (StaleElementReferenceException e) {
            return null; // re-rendered meanwhile
        }
    }
}
