package dev.pgwarden.deploy;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.SQLException;

import org.junit.jupiter.api.Test;

import dev.pgwarden.testing.Gateway;
import dev.pgwarden.testing.GatewayTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/** Without a reachable PostgreSQL the gateway stays alive but reports itself not ready. */
@QuarkusTest
@QuarkusTestResource(GatewayTestResource.class)
@TestProfile(UpstreamDownProfile.class)
class UpstreamDownReadinessTest {

    @Test
    void readinessIsDownLivenessStaysUp() {
        given().when().get("/q/health/ready")
                .then().statusCode(503)
                .body("status", equalTo("DOWN"))
                .body("checks.find { it.name == 'pgwarden' }.data.upstream", containsString("unreachable"));
        given().when().get("/q/health/live").then().statusCode(200).body("status", equalTo("UP"));
    }

    @Test
    void failedUpstreamLoginsAreCounted() {
        double before = OpsEndpointsTest.metric("pgwarden_upstream_connect_errors_total", "");
        SQLException e = assertThrows(SQLException.class, () -> Gateway.analyst().close());
        assertEquals("08006", e.getSQLState(), e.getMessage());
        assertTrue(OpsEndpointsTest.metric("pgwarden_upstream_connect_errors_total", "") >= before + 1);
    }
}
