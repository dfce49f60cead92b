package dev.pgwarden.approvals;

import static dev.pgwarden.approvals.ApprovalsThroughGatewayTest.APPROVER;
import static dev.pgwarden.approvals.ApprovalsThroughGatewayTest.awaitPending;
import static dev.pgwarden.approvals.ApprovalsThroughGatewayTest.decide;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.pgwarden.testing.Gateway;
import dev.pgwarden.testing.GatewayTestResource;
import dev.pgwarden.testing.PostgresFixture;
import dev.pgwarden.testing.ProcessResult;
import dev.pgwarden.testing.Psql;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * The planner's estimate is the early ask; the stream is the guarantee. Each case first shows,
 * straight from PostgreSQL, that the planner expects at most 1,000 rows while the statement
 * returns ten times as many (or folds the table into one value), then that the gateway stops the
 * stream at the limit: it waits for a person (analysts) or ends (support).
 */
@QuarkusTest
@QuarkusTestResource(GatewayTestResource.class)
@TestProfile(StreamLimitsProfile.class)
class StreamLimitsThroughGatewayTest {
    static final int LIMIT = 1000;
    static final int ROWS = 20_000;
    /** The planner's default selectivity for an expression is 0.5%: about 100 of these 10,000 rows. */
    static final String MISESTIMATED = "SELECT id, payload FROM readings WHERE (id % 2) = 0 ORDER BY id";

    @BeforeAll
    static void table() throws Exception {
        PostgresFixture pg = PostgresFixture.shared();
        pg.execute("DROP TABLE IF EXISTS readings; CREATE TABLE readings AS SELECT g AS id,"
                + " 'reading-' || g || '-' || md5(g::text) AS payload FROM generate_series(1, " + ROWS + ") g;"
                + " ANALYZE readings; GRANT SELECT ON readings TO analyst_ro, support_ro");
        try (Connection c = pg.superuserConnection(); Statement st = c.createStatement()) {
            assertTrue(planRows(st, MISESTIMATED) <= LIMIT, "the planner expects few rows");
            assertEquals(ROWS / 2, count(st, MISESTIMATED), "the statement returns many more");
            assertEquals(1, planRows(st, "SELECT json_agg(r) FROM readings r"), "a fold returns one row");
        }
    }

    static long planRows(Statement st, String sql) throws SQLException {
        try (ResultSet rs = st.executeQuery("EXPLAIN (FORMAT JSON) " + sql)) {
            rs.next();
            String json = rs.getString(1);
            String rows = json.substring(json.indexOf("\"Plan Rows\": ") + 13);
            return Long.parseLong(rows.substring(0, rows.indexOf(',')).trim());
        }
    }

    static int count(Statement st, String sql) throws SQLException {
        int n = 0;
        try (ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) {
                n++;
            }
        }
        return n;
    }

    /** Reads {@code sql} through a portal in batches of 100 rows, counting what arrives. */
    static CompletableFuture<Integer> readInBatches(Connection c, String sql, AtomicInteger seen) {
        return CompletableFuture.supplyAsync(() -> {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                ps.setFetchSize(100);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        seen.incrementAndGet();
                    }
                }
                return seen.get();
            } catch (SQLException e) {
                throw new java.util.concurrent.CompletionException(e);
            }
        });
    }

    @Test
    void aMisestimatedReadWaitsAtTheLimitAndResumesWhenApproved() throws Exception {
        String agent = "agent-stream-approve";
        try (Connection c = Gateway.connect(agent, "", "analysts")) {
            c.setAutoCommit(false);
            AtomicInteger seen = new AtomicInteger();
            CompletableFuture<Integer> rows = readInBatches(c, MISESTIMATED, seen);
            Map<String, Object> request = awaitPending(agent);
            assertEquals("big-reads", request.get("rule"));
            assertTrue(String.valueOf(request.get("statement")).contains("(id % 2) = 0"), request.toString());
            Thread.sleep(300);
            assertFalse(rows.isDone(), "the stream waits for the decision");
            assertTrue(seen.get() <= LIMIT, "no more than the limit before the approval: " + seen.get());
            decide(APPROVER, request.get("id"), "approve", "known large read").then().statusCode(200);
            assertEquals(ROWS / 2, rows.get(30, TimeUnit.SECONDS), "every row once approved");
            c.rollback();
        }
    }

    @Test
    void aDeniedReadEndsWith42501AndNoRowPastTheLimitReachedTheClient() throws Exception {
        String agent = "agent-stream-deny";
        try (Connection c = Gateway.connect(agent, "", "analysts")) {
            c.setAutoCommit(false);
            AtomicInteger seen = new AtomicInteger();
            CompletableFuture<Integer> rows = readInBatches(c, MISESTIMATED, seen);
            Map<String, Object> request = awaitPending(agent);
            decide(APPROVER, request.get("id"), "deny", "not today").then().statusCode(200);
            SQLException e = ApprovalsThroughGatewayTest.cause(rows);
            assertEquals("42501", e.getSQLState(), e.getMessage());
            assertTrue(e.getMessage().contains("denied by " + APPROVER), e.getMessage());
            assertEquals(LIMIT, seen.get(), "the client got the rows up to the limit and not one more");
            c.rollback();
            try (Statement st = c.createStatement()) {
                assertEquals(1, count(st, "SELECT 1"), "the session carries on");
            }
        }
    }

    @Test
    void aFoldOfTheWholeTableIsAskedForBeforeItRuns() throws Exception {
        String agent = "agent-fold";
        String fold = "SELECT json_agg(r) FROM readings r";
        try (Connection direct = PostgresFixture.shared().superuserConnection(); Statement st = direct.createStatement();
                ResultSet rs = st.executeQuery(fold)) {
            rs.next();
            assertTrue(rs.getString(1).length() > ROWS * 40, "one row carries the whole table");
        }
        try (Connection c = Gateway.connect(agent, "preferQueryMode=simple", "analysts"); Statement st = c.createStatement()) {
            CompletableFuture<Integer> rows = CompletableFuture.supplyAsync(() -> {
                try {
                    return count(st, fold);
                } catch (SQLException e) {
                    throw new java.util.concurrent.CompletionException(e);
                }
            });
            Map<String, Object> request = awaitPending(agent);
            assertTrue(((Number) request.get("estimatedRows")).longValue() >= ROWS,
                    "the estimate counts the rows the plan reads: " + request);
            decide(APPROVER, request.get("id"), "deny", null).then().statusCode(200);
            assertEquals("42501", ApprovalsThroughGatewayTest.cause(rows).getSQLState());
        }
    }

    @Test
    void aFoldThePlannerMisestimatesIsStoppedByItsBytes() throws Exception {
        String agent = "agent-fold-bytes";
        String fold = "SELECT string_agg(payload, ',') FROM readings WHERE (id % 2) = 0";
        try (Connection direct = PostgresFixture.shared().superuserConnection(); Statement st = direct.createStatement()) {
            assertTrue(planRows(st, fold) <= LIMIT);
            try (ResultSet rs = st.executeQuery(fold)) {
                rs.next();
                assertTrue(rs.getString(1).length() > 300_000, "one value carries half the table");
            }
        }
        try (Connection c = Gateway.connect(agent, "preferQueryMode=simple", "analysts"); Statement st = c.createStatement()) {
            CompletableFuture<Integer> rows = CompletableFuture.supplyAsync(() -> {
                try {
                    return count(st, fold);
                } catch (SQLException e) {
                    throw new java.util.concurrent.CompletionException(e);
                }
            });
            Map<String, Object> request = awaitPending(agent);
            assertEquals("big-reads", request.get("rule"));
            decide(APPROVER, request.get("id"), "deny", null).then().statusCode(200);
            assertEquals("42501", ApprovalsThroughGatewayTest.cause(rows).getSQLState());
        }
    }

    @Test
    void cursorsAreCountedAcrossTheirFetches() throws Exception {
        String agent = "agent-cursor";
        try (Connection c = Gateway.connect(agent, "preferQueryMode=simple", "analysts"); Statement st = c.createStatement()) {
            c.setAutoCommit(false);
            st.execute("DECLARE big CURSOR FOR " + MISESTIMATED);
            assertEquals(400, count(st, "FETCH 400 FROM big"));
            assertEquals(400, count(st, "FETCH 400 FROM big"));
            CompletableFuture<Integer> third = CompletableFuture.supplyAsync(() -> {
                try {
                    return count(st, "FETCH 400 FROM big");
                } catch (SQLException e) {
                    throw new java.util.concurrent.CompletionException(e);
                }
            });
            Map<String, Object> request = awaitPending(agent);
            decide(APPROVER, request.get("id"), "deny", null).then().statusCode(200);
            assertEquals("42501", ApprovalsThroughGatewayTest.cause(third).getSQLState());
            c.rollback();
        }
    }

    @Test
    void copyOutWaitsAtTheLimitToo() throws Exception {
        String agent = "agent-copy-stream";
        CompletableFuture<ProcessResult> psql = CompletableFuture.supplyAsync(() ->
                Psql.to(Gateway.target(agent, "analysts")).timeout(Duration.ofSeconds(60))
                        .command("COPY (" + MISESTIMATED + ") TO STDOUT"));
        Map<String, Object> request = awaitPending(agent);
        decide(APPROVER, request.get("id"), "deny", null).then().statusCode(200);
        ProcessResult r = psql.get(60, TimeUnit.SECONDS);
        assertTrue(r.exitCode() != 0, r.describe());
        assertTrue(r.stderr().contains("denied"), r.stderr());
        assertTrue(r.out().lines().count() <= LIMIT, "lines before the stop: " + r.out().lines().count());
    }

    @Test
    void aBlockRuleEndsTheStreamAtTheLimit() throws Exception {
        ProcessResult r = Psql.to(Gateway.target("support-1", "support")).command(MISESTIMATED);
        assertTrue(r.exitCode() != 0, r.describe());
        assertTrue(r.stderr().contains("support reads are capped") && r.stderr().contains("1000 rows"), r.stderr());
        try (Connection c = Gateway.connect("support-2", "", "support"); Statement st = c.createStatement()) {
            SQLException e = assertThrows(SQLException.class, () -> count(st, MISESTIMATED));
            assertEquals("42501", e.getSQLState());
            assertEquals(1, count(st, "SELECT 1"), "the session carries on");
            assertEquals(LIMIT, count(st, "SELECT * FROM readings LIMIT " + LIMIT), "a read within the limit runs");
        }
    }
}
