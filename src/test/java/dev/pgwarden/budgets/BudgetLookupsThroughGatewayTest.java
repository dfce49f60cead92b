package dev.pgwarden.budgets;

import static dev.pgwarden.approvals.ApprovalsThroughGatewayTest.APPROVER;
import static dev.pgwarden.approvals.ApprovalsThroughGatewayTest.awaitPending;
import static dev.pgwarden.approvals.ApprovalsThroughGatewayTest.cause;
import static dev.pgwarden.approvals.ApprovalsThroughGatewayTest.decide;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.pgwarden.testing.Gateway;
import dev.pgwarden.testing.GatewayTestResource;
import dev.pgwarden.testing.Jdbc;
import dev.pgwarden.testing.PostgresFixture;
import dev.pgwarden.testing.RawPgClient;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * A lookup budget caps how many guesses of a masked value an identity may check. The planner counts a
 * statement's equality lookups before it runs, so one statement with more guesses than the budget has
 * left (a long IN list, or a prepared statement run again) waits for the budget's approval first,
 * instead of checking them all and being counted afterwards.
 */
@QuarkusTest
@QuarkusTestResource(GatewayTestResource.class)
@TestProfile(BudgetLookupsProfile.class)
class BudgetLookupsThroughGatewayTest {
    static final String BUDGET = BudgetLookupsProfile.BUDGET;
    private static String ssn;

    @BeforeAll
    static void rawValue() throws Exception {
        ssn = PostgresFixture.shared().queryForString("SELECT ssn FROM customers WHERE id = 7");
    }

    /** {@code SELECT id FROM customers WHERE ssn IN (...)} with {@code n} guesses, the real SSN of customer 7 last. */
    static String guesses(int n) {
        List<String> values = new ArrayList<>();
        for (int i = 1; i < n; i++) {
            values.add(String.format("'%03d-00-%04d'", 900 + i % 100, i));
        }
        values.add("'" + ssn + "'");
        return "SELECT id FROM customers WHERE ssn IN (" + String.join(", ", values) + ")";
    }

    @Test
    void aStatementWithMoreGuessesThanAreLeftWaitsForTheBudgetsApprovalBeforeItRuns() throws Exception {
        String sql = guesses(30);
        try (Connection direct = PostgresFixture.shared().superuserConnection(); Statement st = direct.createStatement()) {
            assertEquals(List.of("7"), Jdbc.firstColumn(st, sql), "one statement checks 30 guesses and finds the SSN");
        }
        String agent = "agent-lookups-in-list";
        try (Connection c = Gateway.connect(agent, "preferQueryMode=simple", "analysts"); Statement st = c.createStatement()) {
            CompletableFuture<List<String>> held = CompletableFuture.supplyAsync(() -> Jdbc.firstColumn(st, sql));
            Map<String, Object> request = awaitPending(agent);
            assertEquals(BUDGET, request.get("rule"));
            decide(APPROVER, request.get("id"), "deny", "no guessing").then().statusCode(200);
            SQLException e = cause(held);
            assertEquals("42501", e.getSQLState(), e.getMessage());
            // Nothing ran, so nothing was counted, and statements within what is left run as before.
            assertEquals(List.of("7"), Jdbc.firstColumn(st, guesses(20)), "20 guesses: exactly the budget");
            BudgetsThroughGatewayTest.awaitSubject(BUDGET, agent, u -> ((Number) u.get("lookups")).intValue() == 20);
        }
    }

    /** psql -c 'a; b; c': every statement of the string is decided before the first runs. */
    @Test
    void statementsOfOneStringCountTogether() throws Exception {
        String agent = "agent-lookups-string";
        String sql = guesses(12) + "; " + guesses(12);
        try (Connection c = Gateway.connect(agent, "preferQueryMode=simple", "analysts"); Statement st = c.createStatement()) {
            CompletableFuture<Boolean> held = executeAsync(st, sql);
            assertHeldByTheBudgetAndDenied(agent, held, "24 guesses in one string against 20 left");
        }
    }

    /** SQL-level PREPARE, then EXECUTE: each run makes its query's lookups again, in one string or one by one. */
    @Test
    void everyExecuteOfAnSqlPreparedLookupCounts() throws Exception {
        String prepare = "PREPARE lk(text) AS SELECT id FROM customers WHERE ssn = $1";
        StringBuilder string = new StringBuilder(prepare);
        for (int i = 1; i <= 25; i++) {
            string.append("; EXECUTE lk('").append(i == 25 ? ssn : String.format("999-00-%04d", i)).append("')");
        }
        try (Connection direct = PostgresFixture.shared().superuserConnection(); Statement st = direct.createStatement()) {
            st.execute(string.toString());
            List<String> found = new ArrayList<>();
            while (st.getMoreResults() || st.getUpdateCount() != -1) {
                try (ResultSet rs = st.getResultSet()) {
                    if (rs != null) {
                        found.addAll(Jdbc.firstColumn(rs));
                    }
                }
            }
            assertEquals(List.of("7"), found, "directly one string checks 25 guesses and finds the SSN");
        }
        String agent = "agent-lookups-execute";
        try (Connection c = Gateway.connect(agent, "preferQueryMode=simple", "analysts"); Statement st = c.createStatement()) {
            CompletableFuture<Boolean> held = executeAsync(st, string.toString());
            assertHeldByTheBudgetAndDenied(agent, held, "25 EXECUTEs of one lookup against 20 left");
            st.execute(prepare.replace("lk", "lk2")); // the gate took lk as prepared when it decided the string
            for (int i = 1; i <= 20; i++) {
                assertEquals(List.of(), Jdbc.firstColumn(st, "EXECUTE lk2('999-11-" + String.format("%04d", i) + "')"));
            }
            CompletableFuture<List<String>> next = CompletableFuture.supplyAsync(() -> Jdbc.firstColumn(st,
                    "EXECUTE lk2('" + ssn + "')"));
            assertHeldByTheBudgetAndDenied(agent, next, "the 21st EXECUTE, one by one");
        }
    }

    /**
     * EXECUTEs sent one after another without waiting for their results (pipelining, as psycopg 3's
     * pipeline mode does): each counts as it is sent, so the one past the budget waits for approval.
     */
    @Test
    void pipelinedExecutesCountAsTheyAreSent() throws Exception {
        String agent = "agent-lookups-pipelined";
        int guesses = 30;
        byte[][] messages = new byte[guesses][];
        for (int i = 0; i < guesses; i++) {
            String guess = i == guesses - 1 ? ssn : String.format("999-22-%04d", i);
            messages[i] = RawPgClient.query("EXECUTE lk3('" + guess + "')");
        }
        try (RawPgClient c = new RawPgClient("127.0.0.1", GatewayTestResource.gatewayPort())) {
            c.login(agent, PostgresFixture.DATABASE, GatewayTestResource.token(agent, "analysts"));
            c.send(RawPgClient.query("PREPARE lk3(text) AS SELECT id FROM customers WHERE ssn = $1")).readUntilReady();
            AtomicBoolean reading = new AtomicBoolean(true);
            CompletableFuture<Integer> denier = CompletableFuture.supplyAsync(() -> {
                int denied = 0;
                while (reading.get()) {
                    try {
                        Map<String, Object> request = awaitPending(agent);
                        assertEquals(BUDGET, request.get("rule"));
                        decide(APPROVER, request.get("id"), "deny", "no guessing").then().statusCode(200);
                        denied++;
                    } catch (AssertionError | InterruptedException none) {
                        // nothing pending (yet)
                    }
                }
                return denied;
            });
            c.send(RawPgClient.concat(messages));
            List<String> found = new ArrayList<>();
            int ran = 0;
            for (int i = 0; i < guesses; i++) {
                List<RawPgClient.Message> got = c.readUntilReady();
                if (got.stream().noneMatch(m -> m.type() == 'E')) {
                    ran++;
                }
                got.stream().filter(m -> m.type() == 'D').forEach(m -> found.addAll(RawPgClient.dataRowValues(m)));
            }
            reading.set(false);
            assertEquals(BudgetLookupsProfile.LOOKUPS_PER_HOUR, ran, "the guesses within the budget run, the rest wait");
            assertEquals(List.of(), found, "the last guess, the real SSN, never ran");
            assertTrue(denier.get() >= 1);
        }
    }

    @Test
    void aPreparedStatementRunAgainPastTheLookupsLeftWaitsToo() throws Exception {
        String agent = "agent-lookups-prepared";
        String sql = "SELECT id FROM customers WHERE ssn IN (?, ?, ?, ?, ?, ?, ?, ?)";
        try (Connection c = Gateway.connect(agent, "prepareThreshold=1", "analysts");
                PreparedStatement ps = c.prepareStatement(sql)) {
            assertEquals(List.of(), run(ps, "000-00-0000"), "8 lookups");
            assertEquals(List.of(), run(ps, "000-00-0001"), "16: pgjdbc now only binds and executes it");
            CompletableFuture<List<String>> held = CompletableFuture.supplyAsync(() -> run(ps, ssn));
            Map<String, Object> request = awaitPending(agent);
            assertEquals(BUDGET, request.get("rule"));
            decide(APPROVER, request.get("id"), "deny", "no guessing").then().statusCode(200);
            SQLException e = cause(held);
            assertEquals("42501", e.getSQLState(), e.getMessage());
            assertTrue(e.getMessage().contains("denied"), e.getMessage());
        }
    }

    /** Runs {@code sql} on another thread (it may be held for approval): whether it returned rows. */
    static CompletableFuture<Boolean> executeAsync(Statement st, String sql) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return st.execute(sql);
            } catch (SQLException e) {
                throw new CompletionException(e);
            }
        });
    }

    /** {@code held} waits for the budget's approval ({@code why}); denied, it ends with 42501. */
    static void assertHeldByTheBudgetAndDenied(String agent, CompletableFuture<?> held, String why) throws Exception {
        Map<String, Object> request = awaitPending(agent);
        assertEquals(BUDGET, request.get("rule"), why);
        decide(APPROVER, request.get("id"), "deny", "no guessing").then().statusCode(200);
        assertEquals("42501", cause(held).getSQLState());
    }

    /** Runs {@code ps} with eight guesses starting at {@code first} (the others made up): its ids. */
    static List<String> run(PreparedStatement ps, String first) {
        try {
            ps.setString(1, first);
            for (int i = 2; i <= 8; i++) {
                ps.setString(i, String.format("999-99-%04d", i));
            }
            try (ResultSet rs = ps.executeQuery()) {
                return Jdbc.firstColumn(rs);
            }
        } catch (SQLException e) {
            throw new CompletionException(e);
        }
    }
}
