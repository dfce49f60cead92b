package dev.pgwarden.approvals;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLWarning;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.pgwarden.testing.Gateway;
import dev.pgwarden.testing.GatewayTestResource;
import dev.pgwarden.testing.Jdbc;
import dev.pgwarden.testing.PostgresFixture;
import dev.pgwarden.testing.ProcessResult;
import dev.pgwarden.testing.Psql;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;

/**
 * Held statements end to end: a real client through the gateway, the request in the store, a
 * decision over the REST API (what the console and every channel end up calling), and the same
 * client session resuming or failing.
 */
@QuarkusTest
@QuarkusTestResource(GatewayTestResource.class)
@TestProfile(ApprovalsProfile.class)
public class ApprovalsThroughGatewayTest {
    public static final String APPROVER = "ann";
    public static final String APPROVERS = "pgwarden-approvers";

    @BeforeAll
    static void tables() {
        PostgresFixture pg = PostgresFixture.shared();
        pg.execute("DROP TABLE IF EXISTS ceiling_rows; CREATE TABLE ceiling_rows AS SELECT g FROM generate_series(1, 200000) g;"
                + " ANALYZE ceiling_rows; GRANT SELECT ON ceiling_rows TO analyst_ro;"
                + " DROP TABLE IF EXISTS grant_demo; CREATE TABLE grant_demo AS SELECT g FROM generate_series(1, 50) g;"
                + " ANALYZE grant_demo; GRANT SELECT ON grant_demo TO analyst_ro");
    }

    @Test
    void approvedSelectResumesTheSameJdbcSessionWithItsRows() throws Exception {
        String agent = "agent-approve-jdbc";
        try (Connection c = Gateway.connect(agent, "", "analysts"); Statement st = c.createStatement()) {
            CompletableFuture<List<String>> rows = CompletableFuture.supplyAsync(() -> ids(st, "SELECT id FROM orders ORDER BY id"));
            Map<String, Object> request = awaitPending(agent);
            assertEquals("big-reads", request.get("rule"));
            assertEquals("SELECT id FROM orders ORDER BY id", request.get("statement"));
            assertTrue(((Number) request.get("estimatedRows")).longValue() > 500, request.toString());
            assertFalse(rows.isDone(), "the statement waits for the decision");

            // Another session of the same agent is not held meanwhile.
            try (Connection other = Gateway.connect(agent, "", "analysts")) {
                assertEquals(List.of("1"), ids(other.createStatement(), "SELECT 1"));
            }

            long approvedAt = System.nanoTime();
            decide(APPROVER, request.get("id"), "approve", "ticket OPS-1").then().statusCode(200)
                    .body("result", org.hamcrest.Matchers.equalTo("DECIDED"));
            List<String> got = rows.get(20, TimeUnit.SECONDS);
            System.out.printf("approvals: approve callback to rows at the client: %d ms%n",
                    (System.nanoTime() - approvedAt) / 1_000_000);
            assertEquals(PostgresFixture.ORDER_COUNT, got.size());
            assertEquals("1", got.get(0));
            String notices = warnings(st);
            assertTrue(notices.contains("approval " + request.get("id") + " requested"), notices);
            assertTrue(notices.contains("granted by " + APPROVER), notices);
            assertEquals("APPROVED", approval(request.get("id")).get("status"));
            // The session carries on as usual.
            assertEquals(List.of("2"), ids(st, "SELECT 2"));
        }
    }

    @Test
    void approvedCopyResumesPsqlAndPsqlPrintsTheNotice() throws Exception {
        String agent = "agent-approve-psql";
        CompletableFuture<ProcessResult> psql = CompletableFuture.supplyAsync(() ->
                Psql.to(Gateway.target(agent, "analysts")).timeout(Duration.ofSeconds(30))
                        .command("COPY (SELECT id, ssn FROM customers ORDER BY id) TO STDOUT"));
        Map<String, Object> request = awaitPending(agent);
        assertEquals("bulk-export", request.get("rule"));
        decide(APPROVER, request.get("id"), "approve", null).then().statusCode(200);
        ProcessResult r = psql.get(30, TimeUnit.SECONDS);
        assertEquals(0, r.exitCode(), r.describe());
        assertTrue(r.stderr().contains("approval " + request.get("id") + " requested"), r.stderr());
        List<String> lines = r.out().lines().toList();
        assertEquals(PostgresFixture.CUSTOMER_COUNT, lines.size());
        String rawSsn = PostgresFixture.shared().queryForString("SELECT ssn FROM customers WHERE id = 1");
        assertFalse(r.out().contains(rawSsn), "masking still applies to an approved export");
    }

    @Test
    void aParameterisedStatementIsEstimatedBeforeBindAndResumesWithItsBoundValues() throws Exception {
        String agent = "agent-params";
        try (Connection c = Gateway.connect(agent, "prepareThreshold=1", "analysts");
                java.sql.PreparedStatement ps = c.prepareStatement("SELECT ?::text || id FROM orders ORDER BY id")) {
            ps.setString(1, "order-");
            CompletableFuture<List<String>> rows = CompletableFuture.supplyAsync(() -> {
                try (ResultSet rs = ps.executeQuery()) {
                    return Jdbc.firstColumn(rs);
                } catch (SQLException e) {
                    throw new java.util.concurrent.CompletionException(e);
                }
            });
            Map<String, Object> request = awaitPending(agent);
            assertEquals(PostgresFixture.ORDER_COUNT, ((Number) request.get("estimatedRows")).intValue());
            decide(APPROVER, request.get("id"), "approve", null).then().statusCode(200);
            List<String> got = rows.get(20, TimeUnit.SECONDS);
            assertEquals("order-1", got.get(0));
            assertEquals(PostgresFixture.ORDER_COUNT, got.size());
        }
    }

    /**
     * pgjdbc runs a server-prepared statement again with Bind and Execute only: no Parse for the gate to
     * decide. The approval covered the run it was asked for; the next run asks again.
     */
    @Test
    void aPreparedStatementApprovedOnceAsksAgainForItsNextRun() throws Exception {
        String agent = "agent-rerun";
        try (Connection c = Gateway.connect(agent, "prepareThreshold=1", "analysts");
                java.sql.PreparedStatement ps = c.prepareStatement("SELECT ?::text || id FROM orders ORDER BY id")) {
            CompletableFuture<List<String>> first = CompletableFuture.supplyAsync(() -> rows(ps, "first-"));
            Map<String, Object> asked = awaitPending(agent);
            decide(APPROVER, asked.get("id"), "approve", null).then().statusCode(200);
            assertEquals(PostgresFixture.ORDER_COUNT, first.get(20, TimeUnit.SECONDS).size());

            CompletableFuture<List<String>> second = CompletableFuture.supplyAsync(() -> rows(ps, "second-"));
            Map<String, Object> again = awaitPending(agent);
            assertEquals("big-reads", again.get("rule"));
            assertNotEquals(asked.get("id"), again.get("id"));
            decide(APPROVER, again.get("id"), "deny", "once was enough").then().statusCode(200);
            SQLException e = cause(second);
            assertEquals("42501", e.getSQLState(), e.getMessage());
        }
    }

    private static List<String> rows(java.sql.PreparedStatement ps, String prefix) {
        try {
            ps.setString(1, prefix);
            try (ResultSet rs = ps.executeQuery()) {
                return Jdbc.firstColumn(rs);
            }
        } catch (SQLException e) {
            throw new java.util.concurrent.CompletionException(e);
        }
    }

    /** psql's Ctrl-C (a CancelRequest) while a statement waits: PostgreSQL runs nothing to cancel, pgwarden ends the wait. */
    @Test
    void aCancelWhileWaitingEndsTheStatementAndCancelsItsRequest() throws Exception {
        String agent = "agent-cancel";
        try (Connection c = Gateway.connect(agent, "", "analysts"); Statement st = c.createStatement()) {
            CompletableFuture<List<String>> rows = CompletableFuture.supplyAsync(() -> ids(st, "SELECT id FROM orders"));
            Map<String, Object> request = awaitPending(agent);
            st.cancel();
            SQLException e = cause(rows);
            assertEquals("57014", e.getSQLState(), e.getMessage());
            assertEquals("CANCELLED", given().auth().oauth2(GatewayTestResource.token(APPROVER, APPROVERS))
                    .get("/api/approvals/" + request.get("id")).then().statusCode(200).extract().path("status"));
            assertEquals(List.of("1"), ids(st, "SELECT 1"), "the session carries on");
        }
    }

    @Test
    void deniedStatementFailsWith42501NamingTheDenierAndReason() throws Exception {
        String agent = "agent-deny";
        try (Connection c = Gateway.connect(agent, "", "analysts"); Statement st = c.createStatement()) {
            CompletableFuture<List<String>> rows = CompletableFuture.supplyAsync(() -> ids(st, "SELECT id FROM orders"));
            Map<String, Object> request = awaitPending(agent);
            decide(APPROVER, request.get("id"), "deny", "not during the freeze").then().statusCode(200);
            SQLException e = cause(rows);
            assertEquals("42501", e.getSQLState());
            assertTrue(e.getMessage().contains("denied by " + APPROVER + ": not during the freeze"), e.getMessage());
            assertEquals(List.of("1"), ids(st, "SELECT 1"));
        }
    }

    @Test
    void nobodyApprovesTheirOwnRequestAndOnlyApproversDecide() throws Exception {
        String agent = "agent-self";
        // The requester is also in the approver group: still not allowed to decide their own request.
        try (Connection c = Gateway.connect(agent, "", "analysts", APPROVERS); Statement st = c.createStatement()) {
            CompletableFuture<List<String>> rows = CompletableFuture.supplyAsync(() -> ids(st, "SELECT id FROM orders"));
            Map<String, Object> request = awaitPending(agent);
            Object id = request.get("id");
            given().auth().oauth2(GatewayTestResource.token(agent, "analysts", APPROVERS)).contentType("application/json")
                    .body("{}").post("/api/approvals/" + id + "/approve").then().statusCode(200)
                    .body("result", org.hamcrest.Matchers.equalTo("SELF_APPROVAL"));
            // Agents and other non-approvers cannot decide (or even list) requests.
            given().auth().oauth2(GatewayTestResource.token("agent-other", "analysts")).contentType("application/json")
                    .body("{}").post("/api/approvals/" + id + "/approve").then().statusCode(403);
            given().auth().oauth2(GatewayTestResource.token("agent-other", "analysts")).get("/api/approvals")
                    .then().statusCode(403);
            given().contentType("application/json").body("{}").post("/api/approvals/" + id + "/approve")
                    .then().statusCode(401);
            assertEquals("PENDING", approval(id).get("status"));
            assertFalse(rows.isDone());

            decide(APPROVER, id, "approve", null).then().statusCode(200);
            assertEquals(PostgresFixture.ORDER_COUNT, rows.get(20, TimeUnit.SECONDS).size());
            // The second click, either way, is answered and changes nothing.
            decide("bob", id, "deny", "too late").then().statusCode(200)
                    .body("result", org.hamcrest.Matchers.equalTo("ALREADY_DECIDED"))
                    .body("message", org.hamcrest.Matchers.containsString("already approved by " + APPROVER));
            Map<String, Object> after = approval(id);
            assertEquals("APPROVED", after.get("status"));
            assertEquals(APPROVER, after.get("decidedBy"));
        }
    }

    @Test
    void clientThatDisconnectsWhileHeldCancelsItsRequest() throws Exception {
        String agent = "agent-gone";
        Connection c = Gateway.connect(agent, "", "analysts");
        Statement st = c.createStatement();
        CompletableFuture<List<String>> rows = CompletableFuture.supplyAsync(() -> ids(st, "SELECT id FROM orders"));
        Map<String, Object> request = awaitPending(agent);
        c.abort(Runnable::run); // drops the socket, as a killed agent would
        Object id = request.get("id");
        long deadline = System.currentTimeMillis() + 10_000;
        while (!"CANCELLED".equals(approval(id).get("status")) && System.currentTimeMillis() < deadline) {
            Thread.sleep(50);
        }
        Map<String, Object> after = approval(id);
        assertEquals("CANCELLED", after.get("status"));
        assertTrue(String.valueOf(after.get("reason")).contains("disconnected"), after.toString());
        decide(APPROVER, id, "approve", null).then().statusCode(200)
                .body("result", org.hamcrest.Matchers.equalTo("ALREADY_DECIDED"));
        assertThrows(ExecutionException.class, () -> rows.get(10, TimeUnit.SECONDS));
    }

    @Test
    void anApprovedSelectIsCancelledWhenItStreamsFarMoreThanItsEstimate() throws Exception {
        String agent = "agent-ceiling";
        // The planner's default selectivity for an expression = constant is 0.5%: about 1,000 of
        // 200,000 rows, where 28,571 match.
        String sql = "SELECT g FROM ceiling_rows WHERE g % 7 = 0";
        List<String> direct;
        try (Connection su = PostgresFixture.shared().superuserConnection(); Statement s = su.createStatement()) {
            direct = Jdbc.firstColumn(s, sql);
        }
        assertEquals(28_571, direct.size(), "without the ceiling every row comes back");
        try (Connection c = Gateway.connect(agent, "", "analysts"); Statement st = c.createStatement()) {
            CompletableFuture<List<String>> rows = CompletableFuture.supplyAsync(() -> ids(st, sql));
            Map<String, Object> request = awaitPending(agent);
            long estimate = ((Number) request.get("estimatedRows")).longValue();
            assertTrue(estimate > 500 && estimate < 10_000, "estimate " + estimate);
            decide(APPROVER, request.get("id"), "approve", null).then().statusCode(200);
            SQLException e = cause(rows);
            assertEquals("57014", e.getSQLState());
            assertTrue(e.getMessage().contains("ceiling of approval " + request.get("id")), e.getMessage());
            assertTrue(e.getMessage().contains("more than " + (estimate * 2) + " rows"), e.getMessage());
            assertEquals(List.of("1"), ids(st, "SELECT 1"));
        }
        // Read in batches through a portal: the ceiling spans the fetches, and no row beyond it arrives.
        try (Connection c = Gateway.connect(agent, "", "analysts")) {
            c.setAutoCommit(false);
            Statement st = c.createStatement();
            st.setFetchSize(500);
            List<String> seen = java.util.Collections.synchronizedList(new ArrayList<>());
            CompletableFuture<Void> read = CompletableFuture.runAsync(() -> {
                try (ResultSet rs = st.executeQuery(sql)) {
                    while (rs.next()) {
                        seen.add(rs.getString(1));
                    }
                } catch (SQLException ex) {
                    throw new java.util.concurrent.CompletionException(ex);
                }
            });
            Map<String, Object> request = awaitPending(agent);
            long ceiling = ((Number) request.get("estimatedRows")).longValue() * 2;
            decide(APPROVER, request.get("id"), "approve", null).then().statusCode(200);
            assertEquals("57014", cause(read).getSQLState());
            assertTrue(seen.size() >= 500 && seen.size() <= ceiling, seen.size() + " rows reached the client");
            c.rollback();
        }
    }

    @Test
    void aGrantLetsTheSamePersonRunTheSameStatementAgainWithoutAsking() throws Exception {
        String agent = "agent-grant";
        String sql = "SELECT g FROM grant_demo WHERE g > 0";
        try (Connection c = Gateway.connect(agent, "", "analysts"); Statement st = c.createStatement()) {
            CompletableFuture<List<String>> rows = CompletableFuture.supplyAsync(() -> ids(st, sql));
            Map<String, Object> request = awaitPending(agent);
            assertEquals("big-reads-granted", request.get("rule"));
            decide(APPROVER, request.get("id"), "approve", null).then().statusCode(200);
            assertEquals(50, rows.get(20, TimeUnit.SECONDS).size());
            assertTrue(approval(request.get("id")).get("grantUntil") != null);
            st.clearWarnings();
            // Same statement (other literal), same person: runs at once, and says which approval covers it.
            assertEquals(49, ids(st, "SELECT g FROM grant_demo WHERE g > 1").size());
            assertTrue(warnings(st).contains("covered by approval " + request.get("id")), warnings(st));
        }
        // Someone else is still asked.
        try (Connection c = Gateway.connect("agent-grant-other", "", "analysts"); Statement st = c.createStatement()) {
            CompletableFuture<List<String>> rows = CompletableFuture.supplyAsync(() -> ids(st, sql));
            Map<String, Object> request = awaitPending("agent-grant-other");
            decide(APPROVER, request.get("id"), "deny", null).then().statusCode(200);
            assertEquals("42501", cause(rows).getSQLState());
        }
    }

    // --- helpers ---------------------------------------------------------------------------------

    public static Response decide(String approver, Object id, String how, String reason) {
        return given().auth().oauth2(GatewayTestResource.token(approver, APPROVERS)).contentType("application/json")
                .body(reason == null ? "{}" : "{\"reason\":\"" + reason + "\"}")
                .post("/api/approvals/" + id + "/" + how);
    }

    public static Map<String, Object> approval(Object id) {
        return given().auth().oauth2(GatewayTestResource.token(APPROVER, APPROVERS)).get("/api/approvals/" + id)
                .then().statusCode(200).extract().jsonPath().getMap("");
    }

    /** The pending request of {@code subject}, once the gateway has stored it. */
    public static Map<String, Object> awaitPending(String subject) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 15_000;
        while (System.currentTimeMillis() < deadline) {
            List<Map<String, Object>> pending = given().auth().oauth2(GatewayTestResource.token(APPROVER, APPROVERS))
                    .queryParam("status", "PENDING").get("/api/approvals").then().statusCode(200)
                    .extract().jsonPath().getList("");
            for (Map<String, Object> r : pending) {
                if (subject.equals(r.get("subject"))) {
                    assertNull(r.get("decidedBy"));
                    return r;
                }
            }
            Thread.sleep(25);
        }
        throw new AssertionError("no pending approval request for " + subject);
    }

    static List<String> ids(Statement st, String sql) {
        return Jdbc.firstColumn(st, sql);
    }

    public static SQLException cause(CompletableFuture<?> f) throws Exception {
        ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(30, TimeUnit.SECONDS));
        Throwable t = e.getCause();
        while (t != null && !(t instanceof SQLException)) {
            t = t.getCause();
        }
        if (t == null) {
            throw new AssertionError("expected an SQLException", e);
        }
        return (SQLException) t;
    }

    public static String warnings(Statement st) throws SQLException {
        StringBuilder sb = new StringBuilder();
        for (SQLWarning w = st.getWarnings(); w != null; w = w.getNextWarning()) {
            sb.append(w.getMessage()).append('\n');
        }
        return sb.toString();
    }
}
