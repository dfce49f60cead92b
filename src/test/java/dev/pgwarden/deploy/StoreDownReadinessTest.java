package dev.pgwarden.deploy;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

import dev.pgwarden.testing.Gateway;
import dev.pgwarden.testing.GatewayTestResource;
import dev.pgwarden.testing.Jdbc;
import dev.pgwarden.testing.PostgresFixture;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;

/**
 * Readiness covers the gateway's store: while the store database refuses connections the gateway
 * reports DOWN (the datasource check, and its own check because the fail-closed audit trail refuses
 * statements), and UP again once it is back; and once it reports UP, statements run again at once
 * (readiness used to turn UP with the datasource while the audit writer still refused them).
 */
@QuarkusTest
@QuarkusTestResource(GatewayTestResource.class)
@TestProfile(OwnStoreProfile.class)
class StoreDownReadinessTest {
    private static final String DATASOURCE_CHECK = "checks.find { it.name == 'Database connections health check' }";

    @ConfigProperty(name = "quarkus.datasource.jdbc.url")
    String storeUrl;

    @Test
    void readinessIsDownWhileTheStoreIsUnreachable() throws SQLException {
        given().when().get("/q/health/ready").then().statusCode(200)
                .body(DATASOURCE_CHECK + ".status", equalTo("UP"));

        String store = storeUrl.substring(storeUrl.lastIndexOf('/') + 1).replaceFirst("\\?.*", "");
        assertNotEquals(PostgresFixture.STORE_DATABASE, store, "a store of its own, not the one other tests share");
        PostgresFixture pg = PostgresFixture.shared();
        try {
            // The store goes away: no new connections, and the pool's open ones are cut.
            pg.execute("ALTER DATABASE \"" + store + "\" ALLOW_CONNECTIONS false");
            pg.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" + store + "'");

            // The datasource check notices first; the audit writer on its next probe (every 500 ms when idle).
            Response down = readinessOnceItIs(503, "DOWN");
            down.then().body("status", equalTo("DOWN"))
                    .body(DATASOURCE_CHECK + ".status", equalTo("DOWN"))
                    .body("checks.find { it.name == 'pgwarden' }.status", equalTo("DOWN"))
                    .body("checks.find { it.name == 'pgwarden' }.data.audit",
                            equalTo("store unavailable: statements are refused"));
            given().when().get("/q/health/live").then().statusCode(200).body("status", equalTo("UP"));
        } finally {
            pg.execute("ALTER DATABASE \"" + store + "\" ALLOW_CONNECTIONS true");
        }
        readinessOnceItIs(200, "UP").then().body(DATASOURCE_CHECK + ".status", equalTo("UP"));
        try (Connection c = Gateway.analyst(); Statement st = c.createStatement()) {
            assertEquals(List.of("1"), Jdbc.firstColumn(st, "SELECT 1"), "ready means statements run");
        }
    }

    /**
     * Polls readiness until it answers {@code status} and the gateway's own check is {@code own}
     * (the pool notices a lost store on its next use).
     */
    private static Response readinessOnceItIs(int status, String own) {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
        Response r = given().when().get("/q/health/ready");
        while ((r.statusCode() != status || !own.equals(ownCheck(r))) && Instant.now().isBefore(deadline)) {
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
            r = given().when().get("/q/health/ready");
        }
        assertEquals(status, r.statusCode(), r.asString());
        return r;
    }

    private static String ownCheck(Response r) {
        return r.jsonPath().getString("checks.find { it.name == 'pgwarden' }.status");
    }
}
