package dev.pgwarden.gate;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.pgwarden.policy.PolicyStore;
import dev.pgwarden.testing.Gateway;
import dev.pgwarden.testing.GatewayTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;

/** The policy API (view, dry run) and hot reload, with the masking policy profile. */
@QuarkusTest
@QuarkusTestResource(GatewayTestResource.class)
@TestProfile(MaskingPolicyProfile.class)
class PolicyApiTest {
    @Inject
    PolicyStore store;

    @Test
    void policyTestExplainsTheDecisionWithoutRunningAnything() {
        String admin = GatewayTestResource.token("alice", "pgwarden-admins");
        given().auth().oauth2(admin).contentType("application/json")
                .body(Map.of("subject", "agent-7", "groups", java.util.List.of("analysts"),
                        "sql", "DELETE FROM orders WHERE id = 1"))
                .when().post("/api/policy/test")
                .then().statusCode(200).body(containsString("agents-read-only"));
        given().auth().oauth2(admin).when().get("/api/policy")
                .then().statusCode(200).body("version", equalTo(store.current().version()))
                .body("yaml", containsString("no-bulk-export"));
    }

    @Test
    void agentsGet403AndAnonymousGets401() {
        given().auth().oauth2(GatewayTestResource.token("agent-7", "analysts")).when().get("/api/policy")
                .then().statusCode(403);
        given().when().get("/api/policy").then().statusCode(401);
    }

    @Test
    void aBadNewPolicyIsRejectedAndTheOldOneStays() throws Exception {
        String before = store.current().version();
        String good = Files.readString(MaskingPolicyProfile.FILE);
        try {
            Files.writeString(MaskingPolicyProfile.FILE, good + "\nrules: [ { name: x, action: explode } ]\n");
            assertTrue(!store.reloadIfChanged(), "the broken file is not taken");
            assertEquals(before, store.current().version());
            assertTrue(store.lastError() != null && store.lastError().contains(":"), store.lastError());
            try (Connection c = Gateway.analyst()) {
                SQLException e = assertThrows(SQLException.class,
                        () -> c.createStatement().execute("DELETE FROM orders WHERE id = 1"));
                assertEquals("42501", e.getSQLState(), "the old rules still apply");
            }
            Files.writeString(MaskingPolicyProfile.FILE, good.replace("agents are read-only", "read-only, v2"));
            assertTrue(store.reloadIfChanged(), "a good change is taken");
            try (Connection c = Gateway.analyst()) {
                SQLException e = assertThrows(SQLException.class,
                        () -> c.createStatement().execute("DELETE FROM orders WHERE id = 1"));
                assertTrue(e.getMessage().contains("read-only, v2"), e.getMessage());
            }
        } finally {
            Files.writeString(MaskingPolicyProfile.FILE, good);
            store.reloadIfChanged();
        }
    }
}
