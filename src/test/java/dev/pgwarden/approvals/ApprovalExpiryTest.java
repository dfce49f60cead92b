package dev.pgwarden.approvals;

import static dev.pgwarden.approvals.ApprovalsThroughGatewayTest.APPROVER;
import static dev.pgwarden.approvals.ApprovalsThroughGatewayTest.approval;
import static io.restassured.RestAssured.given;
import static dev.pgwarden.approvals.ApprovalsThroughGatewayTest.cause;
import static dev.pgwarden.approvals.ApprovalsThroughGatewayTest.decide;
import static dev.pgwarden.approvals.ApprovalsThroughGatewayTest.ids;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;

import dev.pgwarden.testing.Gateway;
import dev.pgwarden.testing.GatewayTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/** A request nobody decides expires: the waiting client gets 57014 and late clicks change nothing. */
@QuarkusTest
@QuarkusTestResource(GatewayTestResource.class)
@TestProfile(ApprovalExpiryTest.ShortExpiry.class)
class ApprovalExpiryTest {
    public static class ShortExpiry extends ApprovalsProfile {
        @Override
        protected String timeout() {
            return "PT3S";
        }
    }

    @Test
    void undecidedRequestExpiresWith57014() throws Exception {
        String agent = "agent-expire";
        try (Connection c = Gateway.connect(agent, "", "analysts"); Statement st = c.createStatement()) {
            CompletableFuture<List<String>> rows = CompletableFuture.supplyAsync(() -> ids(st, "SELECT id FROM orders"));
            SQLException e = cause(rows);
            assertEquals("57014", e.getSQLState());
            assertTrue(e.getMessage().contains("expired"), e.getMessage());
            // Found after the fact (a loaded machine may not catch it while pending: it lasts 3 s).
            Map<String, Object> request = given().auth().oauth2(GatewayTestResource.token(APPROVER,
                    ApprovalsThroughGatewayTest.APPROVERS)).get("/api/approvals").then().statusCode(200)
                    .extract().jsonPath().<Map<String, Object>>getList("").stream()
                    .filter(r -> agent.equals(r.get("subject"))).findFirst().orElseThrow();
            assertTrue(e.getMessage().contains((String) request.get("id")), e.getMessage());
            assertEquals("EXPIRED", approval(request.get("id")).get("status"));
            // A click after expiry changes nothing and says why.
            decide(APPROVER, request.get("id"), "approve", null).then().statusCode(200)
                    .body("result", org.hamcrest.Matchers.equalTo("ALREADY_DECIDED"))
                    .body("status", org.hamcrest.Matchers.equalTo("EXPIRED"));
            assertEquals(List.of("1"), ids(st, "SELECT 1"));
        }
    }

}
