package dev.pgwarden.proxy;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.pgwarden.testing.Gateway;
import dev.pgwarden.testing.GatewayTestResource;
import dev.pgwarden.testing.Jdbc;
import io.restassured.path.json.JsonPath;

/** Tokens from the real development issuer that expire within seconds, and what the trail says of their sessions. */
final class ShortLivedTokens {
    private static final Pattern EXP = Pattern.compile("\"exp\"\\s*:\\s*(\\d+)");

    private ShortLivedTokens() {
    }

    /** An analyst's token that expires in {@code seconds} (the issuer truncates exp to whole seconds). */
    static String analyst(String subject, int seconds) {
        return GatewayTestResource.issuer().token(subject, List.of("analysts"), Duration.ofSeconds(seconds));
    }

    /** The token's own {@code exp}, read from its payload. */
    static Instant expiry(String token) {
        String payload = new String(Base64.getUrlDecoder().decode(token.split("\\.")[1]), StandardCharsets.UTF_8);
        Matcher m = EXP.matcher(payload);
        assertTrue(m.find(), payload);
        return Instant.ofEpochSecond(Long.parseLong(m.group(1)));
    }

    /** A pgjdbc connection logged in with {@code token}; {@code urlOptions} as in {@link Gateway#jdbcUrl}. */
    static Connection connect(String subject, String token, String urlOptions) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", subject);
        p.setProperty("password", token);
        return Jdbc.connect(Gateway.jdbcUrl(urlOptions), p);
    }

    /** Sleeps until {@code instant} has passed by the local clock (which is the issuer's and the gateway's). */
    static void sleepPast(Instant instant) throws InterruptedException {
        long ms = Duration.between(Instant.now(), instant).toMillis() + 200;
        if (ms > 0) {
            Thread.sleep(ms);
        }
    }

    /** One recorded session with its statements. */
    static JsonPath detail(String sessionId) {
        return given().auth().oauth2(GatewayTestResource.token("auditor-expiry", "auditors"))
                .when().get("/api/sessions/" + sessionId).then().statusCode(200).extract().jsonPath();
    }

    /** The recorded sessions of {@code subject} once all have ended (bounded wait), newest first. */
    static JsonPath endedSessionsOf(String subject, int count) throws InterruptedException {
        String auditor = GatewayTestResource.token("auditor-expiry", "auditors");
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            JsonPath list = given().auth().oauth2(auditor).queryParam("subject", subject)
                    .when().get("/api/sessions").then().statusCode(200).extract().jsonPath();
            List<Object> ended = list.getList("findAll { it.endedAt != null }");
            if (list.getList("$").size() == count && ended.size() == count) {
                return list;
            }
            assertTrue(System.nanoTime() < deadline, "sessions of " + subject + " not ended: " + list.prettify());
            Thread.sleep(100);
        }
    }
}
