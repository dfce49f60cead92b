package dev.pgwarden.deploy;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import dev.pgwarden.testing.Gateway;
import dev.pgwarden.testing.GatewayTestResource;
import dev.pgwarden.testing.Jdbc;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;

/** Health and metrics with the PostgreSQL fixture running, reachable without a token. */
@QuarkusTest
@QuarkusTestResource(GatewayTestResource.class)
class OpsEndpointsTest {

    @Test
    void readinessIsUpWithTheFixtureRunningAndNeedsNoToken() {
        given().when().get("/q/health/ready")
                .then().statusCode(200)
                .body("status", equalTo("UP"))
                .body("checks.find { it.name == 'pgwarden' }.status", equalTo("UP"))
                .body("checks.find { it.name == 'pgwarden' }.data.upstream", containsString("reachable"))
                .body("checks.find { it.name == 'pgwarden' }.data.policy", containsString(""));
        given().when().get("/q/health/live").then().statusCode(200).body("status", equalTo("UP"));
        given().when().get("/q/health").then().statusCode(200).body("status", equalTo("UP"));
        // Contrast: the API behind the same OIDC configuration does want a token.
        given().when().get("/api/policy").then().statusCode(401);
    }

    @Test
    void metricsCountSessionsRefusalsAndNeedNoToken() throws Exception {
        double tokenBefore = metric("pgwarden_logins_refused_total", "reason=\"token\"");
        double noRoleBefore = metric("pgwarden_logins_refused_total", "reason=\"no_role\"");
        double refusedBefore = metric("pgwarden_statements_refused_total", "");

        Properties bad = new Properties();
        bad.setProperty("user", "agent-7");
        bad.setProperty("password", "not-a-token");
        assertEquals("28P01", assertThrows(SQLException.class, () -> Jdbc.connect(Gateway.jdbcUrl(""), bad).close())
                .getSQLState());
        assertEquals("28000", assertThrows(SQLException.class,
                () -> Gateway.connect("stranger", "", "no-such-group").close()).getSQLState());
        try (Connection c = Gateway.analyst()) {
            SQLException e = assertThrows(SQLException.class, () -> c.createStatement().execute("RESET ROLE"));
            assertEquals("42501", e.getSQLState());
            assertTrue(metric("pgwarden_sessions_open", "") >= 1, "the open session is counted");
        }

        assertTrue(metric("pgwarden_logins_refused_total", "reason=\"token\"") >= tokenBefore + 1);
        assertTrue(metric("pgwarden_logins_refused_total", "reason=\"no_role\"") >= noRoleBefore + 1);
        assertTrue(metric("pgwarden_statements_refused_total", "") >= refusedBefore + 1);
        String scrape = given().when().get("/q/metrics").then().statusCode(200).extract().asString();
        assertTrue(scrape.contains("pgwarden_upstream_connect_errors_total"), "upstream connect errors meter");
    }

    @Test
    void metricsCountStatementsBytesAndLatency() throws Exception {
        double allowedBefore = metric("pgwarden_statements_total", "decision=\"allowed\"");
        double toClientBefore = metric("pgwarden_relayed_bytes_total", "direction=\"to_client\"");
        double latencyCountBefore = metric("pgwarden_statement_seconds_count", "");
        try (Connection c = Gateway.analyst(); java.sql.Statement st = c.createStatement();
                java.sql.ResultSet rs = st.executeQuery("SELECT repeat('x', 100000)")) {
            assertTrue(rs.next());
        }
        assertTrue(metric("pgwarden_statements_total", "decision=\"allowed\"") >= allowedBefore + 1);
        assertTrue(metric("pgwarden_relayed_bytes_total", "direction=\"to_client\"") >= toClientBefore + 100_000,
                "the 100 kB value went through");
        assertTrue(metric("pgwarden_statement_seconds_count", "") >= latencyCountBefore + 1);
        String scrape = given().when().get("/q/metrics").then().statusCode(200).extract().asString();
        assertTrue(scrape.contains("pgwarden_statement_seconds_bucket{"), "a latency histogram");
        assertTrue(scrape.contains("pgwarden_masked_rows_total"), "masked rows meter");
    }

    /** The value of a Prometheus sample whose labels contain {@code label} (any labels when empty). */
    static double metric(String name, String label) {
        String scrape = given().when().get("/q/metrics").then().statusCode(200).extract().asString();
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + "(\\{[^}]*})?\\s+(\\S+)").matcher(scrape);
        while (m.find()) {
            if (label.isEmpty() || (m.group(1) != null && m.group(1).contains(label))) {
                return Double.parseDouble(m.group(2));
            }
        }
        throw new AssertionError(name + " " + label + " not in /q/metrics:\n" + scrape.lines()
                .filter(l -> l.startsWith("pgwarden")).toList());
    }
}
