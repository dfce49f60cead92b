package dev.pgwarden.testing;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;

import org.junit.jupiter.api.Assumptions;
import org.openqa.selenium.By;
import org.openqa.selenium.TimeoutException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * A real headless browser for the console's tests: Debian's chromium driven through its
 * chromedriver, both named explicitly so Selenium Manager never runs (there is no network to
 * download drivers from). Missing browser: the test fails when the environment variable CI is set,
 * and is skipped otherwise.
 */
public final class Chromium implements AutoCloseable {
    public static final Path BROWSER = Path.of("/usr/bin/chromium");
    public static final Path DRIVER = Path.of("/usr/bin/chromedriver");
    /** Page loads, redirects and fetch calls; generous for a loaded 2-core machine, never a timing assertion. */
    private static final Duration WAIT = Duration.ofSeconds(30);

    private final ChromeDriver driver;
    private final Path profile;

    private Chromium(ChromeDriver driver, Path profile) {
        this.driver = driver;
        this.profile = profile;
    }

    public static Chromium start() {
        if (!Files.isExecutable(BROWSER) || !Files.isExecutable(DRIVER)) {
            String why = "chromium and chromedriver are needed at " + BROWSER + " and " + DRIVER
                    + " (apt-get install -y chromium chromium-driver)";
            if (System.getenv("CI") != null) {
                fail(why);
            }
            Assumptions.assumeTrue(false, why);
        }
        Logger.getLogger("org.openqa.selenium").setLevel(Level.WARNING);
        try {
            Path profile = Files.createTempDirectory("pgwarden-chromium");
            ChromeOptions options = new ChromeOptions();
            options.setBinary(BROWSER.toFile());
            options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                    "--window-size=1400,1000", "--no-first-run", "--disable-extensions", "--lang=en-US",
                    "--user-data-dir=" + profile);
            ChromeDriverService service = new ChromeDriverService.Builder()
                    .usingDriverExecutable(DRIVER.toFile()).usingAnyFreePort().build();
            return new Chromium(new ChromeDriver(service, options), profile);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public WebDriver driver() {
        return driver;
    }

    public void open(String url) {
        driver.get(url);
    }

    /** Waits for the condition; on timeout the failure shows where the browser is and what it shows. */
    public <T> T await(Function<WebDriver, T> condition) {
        try {
            return new WebDriverWait(driver, WAIT).until(condition::apply);
        } catch (TimeoutException e) {
            String page = driver.getPageSource();
            throw new AssertionError("browser at " + driver.getCurrentUrl() + " did not get there: " + e.getMessage()
                    + "\npage: " + (page.length() > 3000 ? page.substring(0, 3000) + "..." : page), e);
        }
    }

    /** The element once it is displayed. */
    public WebElement visible(By by) {
        return await(ExpectedConditions.visibilityOfElementLocated(by));
    }

    /** Waits until the element's text is exactly {@code text}. */
    public void awaitText(By by, String text) {
        await(ExpectedConditions.textToBe(by, text));
    }

    /** Logs in through the development issuer's form the browser was sent to. */
    public void logIn(String user, String password) {
        visible(By.id("username")).sendKeys(user);
        driver.findElement(By.id("password")).sendKeys(password);
        driver.findElement(By.id("login")).click();
    }

    /** Forgets every cookie of every site, so the next test logs in afresh. */
    public void forgetEverything() {
        driver.manage().deleteAllCookies();
        driver.executeCdpCommand("Network.clearBrowserCookies", java.util.Map.of());
    }

    public String pageSource() {
        return driver.getPageSource();
    }

    @Override
    public void close() {
        try {
            driver.quit();
        } finally {
            try (var files = Files.walk(profile)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException ignored) {
                // a temp directory left behind is harmless
            }
        }
    }
}
