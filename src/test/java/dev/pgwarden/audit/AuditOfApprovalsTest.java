package dev.pgwarden.audit;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import dev.pgwarden.approvals.ApprovalsProfile;
import dev.pgwarden.testing.Gateway;
import dev.pgwarden.testing.GatewayTestResource;
import dev.pgwarden.testing.PostgresFixture;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;

/** Statements that waited for a person: the trail names the approval, and exports carry the request. */
@QuarkusTest
@QuarkusTestResource(GatewayTestResource.class)
@TestProfile(ApprovalsProfile.class)
class AuditOfApprovalsTest {
    static final String APPROVERS = "pgwarden-approvers";

    @Test
    void anApprovedAndADeniedStatementAreRecordedWithTheirApproval() throws Exception {
        Instant from = Instant.now();
        String agent = "agent-" + UUID.randomUUID();
        String approved;
        String deniedId;
        try (Connection c = Gateway.connect(agent, "assumeMinServerVersion=9.0", "analysts");
                Statement st = c.createStatement()) {
            CompletableFuture<Integer> rows = CompletableFuture.supplyAsync(() -> count(st, "SELECT id FROM orders"));
            approved = pending(agent);
            decide(approved, "approve");
            assertEquals(PostgresFixture.ORDER_COUNT, rows.get(20, TimeUnit.SECONDS));

            CompletableFuture<Integer> denied = CompletableFuture.supplyAsync(
                    () -> count(st, "SELECT id, amount FROM orders"));
            deniedId = pending(agent);
            decide(deniedId, "deny");
            Exception e = assertThrows(Exception.class, () -> denied.get(20, TimeUnit.SECONDS));
            assertEquals("42501", ((SQLException) e.getCause().getCause()).getSQLState());
        }
        JsonPath s = AuditTrailTest.sessionOf(agent);
        assertEquals("approved", s.getString("statements[0].decision"));
        assertEquals(approved, s.getString("statements[0].approvalId"));
        assertEquals("big-reads", s.getString("statements[0].rule"), "the rule that asked for the approval");
        assertEquals("big-reads", s.getString("statements[1].rule"));
        assertEquals(PostgresFixture.ORDER_COUNT, s.getInt("statements[0].rows"));
        assertEquals(PostgresFixture.ORDER_COUNT, s.getInt("statements[0].result.totalRows"));
        assertEquals("refused", s.getString("statements[1].decision"));
        assertEquals("42501", s.getString("statements[1].sqlState"));
        assertTrue(s.getString("statements[1].message").contains("approval " + deniedId + " was denied"),
                s.getString("statements[1].message"));
        assertEquals(List.of(approved, deniedId), s.getList("approvals.id"));
        assertEquals(List.of("APPROVED", "DENIED"), s.getList("approvals.status"));

        String export = given().auth().oauth2(AuditTrailTest.auditor()).queryParam("from", from.toString())
                .when().get("/api/audit/export").then().statusCode(200).extract().asString();
        List<JsonPath> approvals = export.lines().map(JsonPath::new)
                .filter(j -> "approval".equals(j.getString("type"))).toList();
        assertEquals(List.of(approved, deniedId), approvals.stream().map(j -> j.getString("id")).toList());
        assertEquals(agent, approvals.get(0).getString("requesterSubject"));
        assertEquals("APPROVED", approvals.get(0).getString("status"));
        assertNull(approvals.get(1).get("grantUntil"));
    }

    static int count(Statement st, String sql) {
        try (ResultSet rs = st.executeQuery(sql)) {
            int n = 0;
            while (rs.next()) {
                n++;
            }
            return n;
        } catch (SQLException e) {
            throw new RuntimeException(e);
        }
    }

    static void decide(String id, String how) {
        given().auth().oauth2(GatewayTestResource.token("ann", APPROVERS)).contentType("application/json")
                .body("{}").post("/api/approvals/" + id + "/" + how).then().statusCode(200);
    }

    static String pending(String subject) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 15_000;
        while (System.currentTimeMillis() < deadline) {
            List<Map<String, Object>> list = given().auth().oauth2(GatewayTestResource.token("ann", APPROVERS))
                    .queryParam("status", "PENDING").get("/api/approvals").then().statusCode(200)
                    .extract().jsonPath().getList("");
            for (Map<String, Object> r : list) {
                if (subject.equals(r.get("subject"))) {
                    return (String) r.get("id");
                }
            }
            Thread.sleep(25);
        }
        throw new AssertionError("no pending approval for " + subject);
    }
}
