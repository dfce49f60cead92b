package dev.pgwarden.budgets;

import static dev.pgwarden.approvals.ApprovalsThroughGatewayTest.APPROVER;
import static dev.pgwarden.approvals.ApprovalsThroughGatewayTest.awaitPending;
import static dev.pgwarden.approvals.ApprovalsThroughGatewayTest.cause;
import static dev.pgwarden.approvals.ApprovalsThroughGatewayTest.decide;
import static dev.pgwarden.approvals.ApprovalsThroughGatewayTest.warnings;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.postgresql.util.PSQLException;

import dev.pgwarden.testing.Gateway;
import dev.pgwarden.testing.GatewayTestResource;
import dev.pgwarden.testing.Jdbc;
import dev.pgwarden.testing.PostgresFixture;
import dev.pgwarden.testing.RawPgClient;
import dev.pgwarden.testing.ProcessResult;
import dev.pgwarden.testing.Psql;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;

/**
 * Per-identity budgets end to end, with pgjdbc (extended and simple protocol) and psql: an agent
 * that pages through {@code customers} gets every row without a budget; with one, a statement streams
 * what is left of it and then waits for a person, and once its rows or bytes are spent, its next
 * statement on {@code customers} from any of its sessions waits too, and nobody else's statements, nor
 * its own on other tables, are held.
 */
@QuarkusTest
@QuarkusTestResource(GatewayTestResource.class)
@TestProfile(BudgetsProfile.class)
class BudgetsThroughGatewayTest {
    static final String PAGE = "SELECT id, name, email, ssn FROM customers ORDER BY id LIMIT 50 OFFSET ";
    static final String BUDGET = BudgetsProfile.BUDGET;

    /** Reads customers 50 rows at a time until a page comes back empty; the ids, in order. */
    static List<String> pageThrough(Statement st) {
        List<String> ids = new ArrayList<>();
        for (int offset = 0;; offset += 50) {
            List<String> page = Jdbc.firstColumn(st, PAGE + offset);
            if (page.isEmpty()) {
                return ids;
            }
            ids.addAll(page);
        }
    }

    /** Exactly the budget's 60 rows, in two statements (a third would be held). */
    static int spendTheRows(Statement st) {
        return Jdbc.firstColumn(st, PAGE + 0).size() + Jdbc.firstColumn(st, "SELECT id FROM customers WHERE id <= 10")
                .size();
    }

    /** Runs {@code sql} on another thread: the first column of its rows, or the error it ended with. */
    static CompletableFuture<List<String>> async(Statement st, String sql) {
        return CompletableFuture.supplyAsync(() -> Jdbc.firstColumn(st, sql));
    }

    @Test
    void withoutABudgetAnAgentPagesThroughEveryCustomer() throws Exception {
        try (Connection direct = PostgresFixture.shared().superuserConnection(); Statement st = direct.createStatement()) {
            assertEquals(PostgresFixture.CUSTOMER_COUNT, pageThrough(st).size(), "PostgreSQL hands out every row");
        }
        // support has no budget: 50 rows at a time, from one session, the agent gets all of them.
        try (Connection c = Gateway.connect("agent-unbudgeted", "", "support"); Statement st = c.createStatement()) {
            List<String> ids = pageThrough(st);
            assertEquals(PostgresFixture.CUSTOMER_COUNT, ids.size());
            assertEquals(PostgresFixture.CUSTOMER_COUNT, new HashSet<>(ids).size());
        }
    }

    @Test
    void aStatementStopsAtWhatIsLeftAndOncePastItTheSubjectsNextStatementWaitsAndADenialEndsItWith42501()
            throws Exception {
        String agent = "agent-budget-rows";
        try (Connection c = Gateway.connect(agent, "", "analysts"); Statement st = c.createStatement()) {
            assertEquals(50, Jdbc.firstColumn(st, PAGE + 0).size());
            // 50 of 60 rows used: the next page streams 10 rows, then waits for a person
            CompletableFuture<List<String>> crossing = async(st, PAGE + 50);
            Map<String, Object> request = awaitPending(agent);
            assertEquals(BUDGET, request.get("rule"));
            assertEquals(PAGE + 50, request.get("statement"));
            decide(APPROVER, request.get("id"), "deny", "not the whole table").then().statusCode(200);
            assertEquals("42501", cause(crossing).getSQLState());
        }
        // Another session of the same subject, simple protocol: held.
        try (Connection c = Gateway.connect(agent, "preferQueryMode=simple", "analysts"); Statement st = c.createStatement()) {
            CompletableFuture<List<String>> held = async(st, "SELECT count(*) FROM customers");
            Map<String, Object> request = awaitPending(agent);
            assertEquals(BUDGET, request.get("rule"));
            assertEquals("SELECT count(*) FROM customers", request.get("statement"));
            assertFalse(held.isDone(), "the statement waits for the decision");

            // Meanwhile: the same subject's statements on other tables run, and so do another analyst's on customers.
            try (Connection mine = Gateway.connect(agent, "", "analysts"); Statement other = mine.createStatement()) {
                assertEquals(List.of(Integer.toString(PostgresFixture.ORDER_COUNT)),
                        Jdbc.firstColumn(other, "SELECT count(*) FROM orders"));
                assertEquals(List.of("1", "2"), Jdbc.firstColumn(other, "SELECT 1 UNION ALL SELECT 2"));
            }
            try (Connection theirs = Gateway.connect("agent-budget-bystander", "", "analysts");
                    Statement other = theirs.createStatement()) {
                assertEquals(50, Jdbc.firstColumn(other, PAGE + 0).size());
            }

            decide(APPROVER, request.get("id"), "deny", "enough customers for today").then().statusCode(200);
            SQLException e = cause(held);
            assertEquals("42501", e.getSQLState(), e.getMessage());
            assertTrue(e.getMessage().contains("denied by " + APPROVER), e.getMessage());
            String detail = ((PSQLException) e).getServerErrorMessage().getDetail();
            assertTrue(detail.contains("rule " + BUDGET) && detail.contains("60 of 60 rows per hour"), detail);
            assertEquals(List.of("1"), Jdbc.firstColumn(st, "SELECT 1"), "the session carries on");
        }
    }

    /**
     * One statement that multiplies the table (a cross join with generate_series) returns 200 times its
     * rows; the budget's check before it cannot see that, so the stream stops it at what is left.
     */
    @Test
    void aStatementThatMultipliesTheTableStopsAtTheBudget() throws Exception {
        String agent = "agent-budget-multiplied";
        String sql = "SELECT c.id FROM customers c, generate_series(1, 200) g";
        try (Connection direct = PostgresFixture.shared().superuserConnection(); Statement st = direct.createStatement()) {
            assertEquals(200 * PostgresFixture.CUSTOMER_COUNT, Jdbc.firstColumn(st, sql).size(),
                    "PostgreSQL hands out the table 200 times over");
        }
        try (Connection c = Gateway.connect(agent, "preferQueryMode=simple", "analysts"); Statement st = c.createStatement()) {
            CompletableFuture<List<String>> crossing = async(st, sql);
            Map<String, Object> request = awaitPending(agent);
            assertEquals(BUDGET, request.get("rule"));
            decide(APPROVER, request.get("id"), "deny", "no bulk").then().statusCode(200);
            assertEquals("42501", cause(crossing).getSQLState());
            // What the client got was counted: exactly the budget, so the next statement waits from the start.
            Map<String, Object> mine = awaitSubject(agent, u -> Boolean.TRUE.equals(u.get("spent")));
            assertEquals(60, ((Number) mine.get("rows")).intValue());
        }
    }

    /**
     * Several portals executed before one Sync are all decided before the first one's rows are counted;
     * each one's limit is what is left when its rows start, so together they stop at the budget too.
     */
    @Test
    void portalsPipelinedInOneSessionStopAtTheBudgetTogether() throws Exception {
        String agent = "agent-budget-pipelined";
        String sql = "SELECT id FROM customers ORDER BY id LIMIT 40";
        try (RawPgClient c = new RawPgClient("127.0.0.1", GatewayTestResource.gatewayPort())) {
            List<RawPgClient.Message> login = c.login(agent, PostgresFixture.DATABASE,
                    GatewayTestResource.token(agent, "analysts"));
            assertEquals('Z', login.get(login.size() - 1).type());
            c.send(RawPgClient.concat(RawPgClient.parse("", sql), RawPgClient.bind("a", "", false),
                    RawPgClient.bind("b", "", false), RawPgClient.execute("a"), RawPgClient.execute("b"),
                    RawPgClient.sync()));
            Map<String, Object> request = awaitPending(agent);
            assertEquals(BUDGET, request.get("rule"));
            decide(APPROVER, request.get("id"), "deny", "80 rows is more than the budget").then().statusCode(200);
            List<RawPgClient.Message> got = c.readUntilReady();
            long rows = got.stream().filter(m -> m.type() == 'D').count();
            assertEquals(60, rows, "40 from the first portal, the 20 left from the second: " + RawPgClient.types(got));
            assertTrue(got.stream().anyMatch(m -> m.type() == 'E' && "42501".equals(m.sqlState())));
        }
    }

    @Test
    void anApprovalRunsTheHeldStatementAndItsGrantWindowLetsTheNextOnesRun() throws Exception {
        String agent = "agent-budget-granted";
        try (Connection c = Gateway.connect(agent, "", "analysts"); Statement st = c.createStatement()) {
            assertEquals(60, spendTheRows(st));
        }
        String expectedName = PostgresFixture.shared().queryForString("SELECT name FROM customers WHERE id = 7");
        try (Connection c = Gateway.connect(agent, "", "analysts");
                PreparedStatement ps = c.prepareStatement("SELECT name FROM customers WHERE id = ?")) {
            ps.setInt(1, 7);
            CompletableFuture<List<String>> held = CompletableFuture.supplyAsync(() -> {
                try (ResultSet rs = ps.executeQuery()) {
                    return Jdbc.firstColumn(rs);
                } catch (SQLException e) {
                    throw new CompletionException(e);
                }
            });
            Map<String, Object> request = awaitPending(agent);
            assertEquals(BUDGET, request.get("rule"));
            decide(APPROVER, request.get("id"), "approve", "ticket OPS-7").then().statusCode(200);
            assertEquals(List.of(expectedName), held.get(30, TimeUnit.SECONDS));

            // Within the 30-minute grant the subject is not asked again, in this session or another.
            awaitGrant(agent, request.get("id"));
            try (Statement st = c.createStatement()) {
                assertEquals(50, Jdbc.firstColumn(st, PAGE + 0).size());
            }
            try (Connection other = Gateway.connect(agent, "preferQueryMode=simple", "analysts");
                    Statement st = other.createStatement()) {
                assertEquals(50, Jdbc.firstColumn(st, PAGE + 50).size());
            }
            assertTrue(pending(agent).isEmpty(), "no new request within the grant window");
        }
    }

    @Test
    void aServerPreparedStatementRunAgainIsCheckedAgainOnEveryRun() throws Exception {
        String agent = "agent-budget-prepared";
        String sql = "SELECT id FROM customers WHERE id > ? ORDER BY id LIMIT 30";
        try (Connection c = Gateway.connect(agent, "prepareThreshold=1", "analysts");
                PreparedStatement ps = c.prepareStatement(sql)) {
            assertEquals(30, run(ps, 0).size());
            assertEquals(30, run(ps, 30).size());
            // pgjdbc prepared it on the server once and now only binds and executes it: no gate sees a Parse.
            try (Statement st = c.createStatement()) {
                List<String> prepared = Jdbc.firstColumn(st, "SELECT statement FROM pg_prepared_statements");
                assertTrue(prepared.contains(sql.replace("?", "$1")), prepared.toString());
            }
            CompletableFuture<List<String>> denied = CompletableFuture.supplyAsync(() -> run(ps, 60));
            Map<String, Object> first = awaitPending(agent);
            assertEquals(BUDGET, first.get("rule"));
            assertEquals(sql.replace("?", "$1"), first.get("statement"));
            decide(APPROVER, first.get("id"), "deny", "no more").then().statusCode(200);
            assertEquals("42501", cause(denied).getSQLState());

            CompletableFuture<List<String>> approved = CompletableFuture.supplyAsync(() -> run(ps, 70));
            Map<String, Object> second = awaitPending(agent);
            decide(APPROVER, second.get("id"), "approve", "one more page").then().statusCode(200);
            assertEquals(30, approved.get(30, TimeUnit.SECONDS).size());
            awaitGrant(agent, second.get("id"));
            assertEquals(30, run(ps, 0).size(), "the grant covers the next runs");
            assertTrue(pending(agent).isEmpty());

            assertEquals("refused " + BUDGET, awaitStore("SELECT decision || ' ' || rule FROM pgwarden.audit_statement"
                    + " WHERE message LIKE ?", "%approval " + first.get("id") + " was denied%"));
            assertEquals("approved " + BUDGET + " " + sql.replace("?", "$1"), awaitStore("SELECT decision || ' ' || rule || ' ' || text"
                    + " FROM pgwarden.audit_statement WHERE approval_id = ?", (String) second.get("id")));
        }
    }

    /** Runs {@code ps} with its parameter set to {@code after}: the first column of its rows. */
    static List<String> run(PreparedStatement ps, int after) {
        try {
            ps.setInt(1, after);
            try (ResultSet rs = ps.executeQuery()) {
                return Jdbc.firstColumn(rs);
            }
        } catch (SQLException e) {
            throw new CompletionException(e);
        }
    }

    @Test
    void bytesCountToo() throws Exception {
        String agent = "agent-budget-bytes";
        String wide = "SELECT id, rpad(name, 4000, '.') FROM customers WHERE id <= 6";
        // six rows of 4 kB: 24 kB of 20 kB an hour, so the fifth waits for a person
        CompletableFuture<ProcessResult> psql = CompletableFuture.supplyAsync(() ->
                Psql.to(Gateway.target(agent, "analysts")).timeout(Duration.ofSeconds(60)).command(wide));
        Map<String, Object> request = awaitPending(agent);
        assertEquals(BUDGET, request.get("rule"));
        decide(APPROVER, request.get("id"), "deny", null).then().statusCode(200);
        ProcessResult r = psql.get(60, TimeUnit.SECONDS);
        assertNotEquals(0, r.exitCode(), r.describe());
        assertTrue(r.stderr().contains("approval " + request.get("id") + " requested"), r.stderr());
        assertTrue(r.stderr().contains("denied by " + APPROVER), r.stderr());
        assertTrue(r.stderr().contains("of 20,000 bytes per hour"), r.stderr());
    }

    @Test
    void aCursorsFetchesAndAPortalsBatchesCount() throws Exception {
        String cursorAgent = "agent-budget-cursor";
        try (Connection c = Gateway.connect(cursorAgent, "preferQueryMode=simple", "analysts");
                Statement st = c.createStatement()) {
            c.setAutoCommit(false);
            st.execute("DECLARE c CURSOR FOR SELECT id, name FROM customers ORDER BY id");
            assertEquals(40, Jdbc.firstColumn(st, "FETCH 40 FROM c").size());
            assertEquals(20, Jdbc.firstColumn(st, "FETCH 20 FROM c").size());
            c.commit();
            CompletableFuture<List<String>> held = async(st, "SELECT id FROM customers WHERE id = 1");
            Map<String, Object> request = awaitPending(cursorAgent);
            decide(APPROVER, request.get("id"), "deny", null).then().statusCode(200);
            assertEquals("42501", cause(held).getSQLState());
            c.rollback();
        }
        String portalAgent = "agent-budget-portal";
        try (Connection c = Gateway.connect(portalAgent, "", "analysts")) {
            c.setAutoCommit(false);
            int rows = 0;
            try (PreparedStatement ps = c.prepareStatement("SELECT id FROM customers ORDER BY id LIMIT 60")) {
                ps.setFetchSize(10); // six Executes of one portal
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        rows++;
                    }
                }
            }
            assertEquals(60, rows, "the portal's batches count as one statement, within the budget");
            c.commit();
            try (Statement st = c.createStatement()) {
                CompletableFuture<List<String>> held = async(st, "SELECT id FROM customers WHERE id = 1");
                Map<String, Object> request = awaitPending(portalAgent);
                decide(APPROVER, request.get("id"), "deny", null).then().statusCode(200);
                assertEquals("42501", cause(held).getSQLState());
                c.rollback();
            }
        }
    }

    /**
     * A cursor the gateway does not know (it forgot it at a ROLLBACK TO SAVEPOINT, or cannot read its
     * name) may read any table: its FETCHes count against every budget of the subject.
     */
    @Test
    void aFetchOfACursorTheGatewayDoesNotKnowCountsAgainstTheBudgets() throws Exception {
        String savepoint = "DECLARE c CURSOR FOR SELECT id, name FROM customers ORDER BY id; SAVEPOINT s; SELECT 1; "
                + "ROLLBACK TO SAVEPOINT s";
        try (Connection direct = PostgresFixture.shared().superuserConnection(); Statement st = direct.createStatement()) {
            direct.setAutoCommit(false);
            st.execute(savepoint);
            assertEquals(PostgresFixture.CUSTOMER_COUNT, Jdbc.firstColumn(st, "FETCH ALL FROM c").size(),
                    "PostgreSQL keeps a cursor declared before the savepoint");
            direct.rollback();
        }
        // subject, the statements that leave a cursor the gateway does not know, its name
        Map<String, List<String>> cursors = Map.of("agent-budget-savepoint", List.of(savepoint, "c"),
                "agent-budget-unicode", List.of("DECLARE U&\"\\0063\" CURSOR FOR SELECT id, name FROM customers "
                        + "ORDER BY id", "U&\"\\0063\""));
        for (Map.Entry<String, List<String>> e : cursors.entrySet()) {
            try (Connection c = Gateway.connect(e.getKey(), "preferQueryMode=simple", "analysts");
                    Statement st = c.createStatement()) {
                c.setAutoCommit(false);
                st.execute(e.getValue().get(0));
                CompletableFuture<List<String>> held = async(st, "FETCH ALL FROM " + e.getValue().get(1));
                Map<String, Object> request = awaitPending(e.getKey());
                assertEquals("customers-hourly", request.get("rule"), e.getKey());
                decide(APPROVER, request.get("id"), "deny", null).then().statusCode(200);
                assertEquals("42501", cause(held).getSQLState(), e.getKey());
                c.rollback();
            }
        }
    }

    @Test
    void theCountersShowInMetricsInTheApiAndInTheAuditTrail() throws Exception {
        String agent = "agent-budget-audited";
        try (Connection c = Gateway.connect(agent, "", "analysts"); Statement st = c.createStatement()) {
            assertEquals(60, spendTheRows(st));
            CompletableFuture<List<String>> held = async(st, "SELECT count(*) FROM customers");
            Map<String, Object> request = awaitPending(agent);
            decide(APPROVER, request.get("id"), "deny", "audit test").then().statusCode(200);
            assertEquals("42501", cause(held).getSQLState());
            assertTrue(warnings(st).contains("approval " + request.get("id") + " requested"), warnings(st));

            // /q/metrics: per budget, never per subject.
            String scrape = given().get("/q/metrics").then().statusCode(200).extract().asString();
            assertTrue(metric(scrape, "pgwarden_budget_rows_total{budget=\"" + BUDGET + "\"") >= 60, scrape);
            assertTrue(metric(scrape, "pgwarden_budget_bytes_total{budget=\"" + BUDGET + "\"") > 0);
            assertTrue(metric(scrape, "pgwarden_budget_holds_total{budget=\"" + BUDGET + "\"") >= 1);
            assertTrue(scrape.contains("pgwarden_budget_view_age_seconds"), scrape);
            assertFalse(scrape.contains(agent), "no subject in a label");

            // /api/budgets: auditors and admins see every subject's usage; agents do not.
            Map<String, Object> mine = awaitSubject(agent, u -> Boolean.TRUE.equals(u.get("spent")));
            assertEquals(60, ((Number) mine.get("rows")).intValue());
            given().auth().oauth2(GatewayTestResource.token("paul", "pgwarden-admins")).get("/api/budgets")
                    .then().statusCode(200);
            given().auth().oauth2(GatewayTestResource.token(agent, "analysts")).get("/api/budgets")
                    .then().statusCode(403);

            // The audit trail: the crossing as a chain entry, the held statement with its rule and approval.
            String detail = awaitStore("SELECT detail FROM pgwarden.audit_chain WHERE kind = 'budget' AND detail LIKE ?",
                    "%\"subject\":\"" + agent + "\"%");
            assertTrue(detail.contains("\"budget\":\"" + BUDGET + "\"") && detail.contains("\"rows\":60")
                    && detail.contains("\"rowsPerHour\":60"), detail);
            String statement = awaitStore("SELECT decision || ' ' || rule || ' ' || text FROM pgwarden.audit_statement"
                    + " WHERE message LIKE ?", "%approval " + request.get("id") + " was denied%");
            assertEquals("refused " + BUDGET + " SELECT count(*) FROM customers", statement);
            JsonPath crossings = given().auth().oauth2(GatewayTestResource.token("alice", "auditors"))
                    .get("/api/budgets").then().statusCode(200).extract().jsonPath();
            assertNotNull(crossings.get("crossings.find { it.subject == '" + agent + "' }.chainSeq"));
            given().auth().oauth2(GatewayTestResource.token("alice", "auditors")).get("/api/audit/verify")
                    .then().statusCode(200).body("ok", org.hamcrest.Matchers.equalTo(true));
        }
    }

    // --- helpers ---------------------------------------------------------------------------------

    /** The value of the first sample whose line starts with {@code prefix}. */
    static double metric(String scrape, String prefix) {
        return scrape.lines().filter(l -> l.startsWith(prefix)).findFirst()
                .map(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
                .orElseThrow(() -> new AssertionError("no sample " + prefix));
    }

    static List<Map<String, Object>> pending(String subject) {
        List<Map<String, Object>> all = given().auth().oauth2(GatewayTestResource.token(APPROVER, "pgwarden-approvers"))
                .queryParam("status", "PENDING").get("/api/approvals").then().statusCode(200)
                .extract().jsonPath().getList("");
        return all.stream().filter(r -> subject.equals(r.get("subject"))).toList();
    }

    /** {@code subject}'s usage of the budget in /api/budgets, once {@code ready} holds for it. */
    static Map<String, Object> awaitSubject(String subject, java.util.function.Predicate<Map<String, Object>> ready)
            throws InterruptedException {
        return awaitSubject(BUDGET, subject, ready);
    }

    /** Waits until the budgets API shows {@code subject}'s usage of {@code budget} where {@code ready} says. */
    static Map<String, Object> awaitSubject(String budget, String subject,
            java.util.function.Predicate<Map<String, Object>> ready) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 15_000;
        Map<String, Object> last = null;
        while (System.currentTimeMillis() < deadline) {
            JsonPath report = given().auth().oauth2(GatewayTestResource.token("alice", "auditors")).get("/api/budgets")
                    .then().statusCode(200).extract().jsonPath();
            last = report.getMap("budgets.find { it.name == '" + budget + "' }.subjects.find { it.subject == '"
                    + subject + "' }");
            if (last != null && ready.test(last)) {
                return last;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("budget usage of " + subject + " never got there: " + last);
    }

    /** Waits until every replica's view (here: this one's) has the grant of {@code approvalId}. */
    static void awaitGrant(String subject, Object approvalId) throws InterruptedException {
        awaitSubject(subject, u -> approvalId.equals(u.get("grantApproval")));
    }

    /** The first column of the first row of {@code sql} (one text parameter) in the store, once there is one. */
    static String awaitStore(String sql, String parameter) throws Exception {
        PostgresFixture pg = PostgresFixture.shared();
        long deadline = System.currentTimeMillis() + 15_000;
        try (Connection c = pg.connect(PostgresFixture.STORE_DATABASE, pg.superuser(), pg.superuserPassword());
                PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, parameter);
            while (System.currentTimeMillis() < deadline) {
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        return rs.getString(1);
                    }
                }
                Thread.sleep(50);
            }
        }
        throw new AssertionError("nothing in the store for " + sql + " with " + parameter);
    }
}
