package dev.pgwarden.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;

import dev.pgwarden.policy.PolicyStore;
import dev.pgwarden.testing.Chromium;
import dev.pgwarden.testing.GatewayTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

/** The console in a real headless browser: log in through the issuer's form, see what the groups allow. */
@QuarkusTest
@QuarkusTestResource(GatewayTestResource.class)
class ConsoleBrowserTest {
    private static Chromium browser;

    @TestHTTPResource("/")
    URI gateway;
    @Inject
    PolicyStore policy;

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

    private void logIn(String page, String user) {
        browser.open(gateway.resolve(page).toString());
        browser.logIn(user, GatewayTestResource.password(user));
    }

    @Test
    void anAuditorLogsInThroughTheIssuersFormAndSeesWhatTheirGroupsAllow() {
        browser.open(gateway.resolve("/console/").toString());
        assertTrue(browser.driver().getCurrentUrl().startsWith(GatewayTestResource.issuer().issuer() + "/authorize"),
                browser.driver().getCurrentUrl());
        browser.logIn("alice", GatewayTestResource.password("alice"));
        browser.awaitText(By.id("user"), "alice");
        assertEquals(gateway.resolve("/console/").toString(), browser.driver().getCurrentUrl());
        assertEquals("auditors", browser.driver().findElement(By.id("groups")).getText());
        assertTrue(browser.visible(By.id("nav-sessions")).isDisplayed());
        assertTrue(browser.driver().findElement(By.id("nav-policy")).isDisplayed(), "auditors are admin-API users by default");
    }

    @Test
    void aWrongPasswordKeepsThePersonAtTheIssuer() {
        browser.open(gateway.resolve("/console/").toString());
        browser.logIn("alice", "not-her-password");
        browser.visible(By.cssSelector("p.error"));
        assertTrue(browser.driver().getCurrentUrl().startsWith(GatewayTestResource.issuer().issuer()));
        assertTrue(browser.pageSource().contains("Wrong username or password"));
    }

    @Test
    void anAgentSeesTheConsoleRefuse() {
        logIn("/console/", "agent");
        assertEquals("Not allowed", browser.visible(By.id("forbidden")).getText());
        assertEquals("agent", browser.driver().findElement(By.id("who")).getText());
        assertEquals("analysts", browser.driver().findElement(By.id("groups")).getText());
        browser.open(gateway.resolve("/console/policy.html").toString());
        assertEquals("Not allowed", browser.visible(By.id("forbidden")).getText());
        assertFalse(browser.pageSource().contains("policy-yaml"));
    }

    @Test
    void anAdminSeesTheActivePolicyAndItsVersion() {
        logIn("/console/policy.html", "paul");
        browser.awaitText(By.id("policy-version"), policy.current().version());
        assertTrue(browser.driver().findElement(By.id("policy-yaml")).getText().contains("analyst_ro"));
        assertTrue(browser.driver().findElement(By.id("nav-policy")).isDisplayed());
        assertFalse(browser.driver().findElement(By.id("nav-sessions")).isDisplayed(), "admins are not auditors");
    }

    @Test
    void loggingOutNeedsALoginAgain() {
        logIn("/console/", "alice");
        browser.awaitText(By.id("user"), "alice");
        browser.driver().findElement(By.id("logout")).click();
        browser.visible(By.id("logged-out"));
        assertEquals(gateway.resolve("/console/logged-out.html").toString(),
                browser.driver().getCurrentUrl().replaceFirst("\\?.*", ""));
        browser.open(gateway.resolve("/console/").toString());
        browser.visible(By.id("username"));
    }
}
