package dev.pgwarden.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.net.URL;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

import dev.pgwarden.testing.GatewayTestResource;
import dev.pgwarden.testing.McpJavaAgent;
import dev.pgwarden.testing.PostgresFixture;
import dev.pgwarden.testing.RawPgClient;
import io.modelcontextprotocol.spec.McpSchema;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;

/**
 * pgwarden.identity.end-at-token-expiry (on, the default): a session ends with FATAL 57P01 when its
 * token expires; a statement in flight finishes first, within the grace; the trail says why; MCP
 * sessions end the same way and their next call logs in with the fresh token. Tokens come from the
 * real development issuer; clients are pgjdbc, a raw protocol client and the MCP Java SDK.
 * {@link TokenExpiryOffTest} shows the same sessions outliving their tokens without the control.
 */
@QuarkusTest
@QuarkusTestResource(GatewayTestResource.class)
@TestProfile(TokenExpiryProfile.class)
class TokenExpiryTest {
    static final String EXPIRED_MESSAGE =
            "terminating connection because its access token expired; reconnect with a fresh token";

    @TestHTTPResource("/mcp")
    URL mcp;

    @Test
    void anIdleSessionIsToldWhyAndClosedWhenItsTokenExpires() throws Exception {
        String subject = "expiry-idle-" + UUID.randomUUID();
        String token = ShortLivedTokens.analyst(subject, 3);
        try (RawPgClient c = new RawPgClient("127.0.0.1", GatewayTestResource.gatewayPort())) {
            List<RawPgClient.Message> login = c.login(subject, PostgresFixture.DATABASE, token);
            assertEquals('Z', login.get(login.size() - 1).type(), login.toString());
            c.send(RawPgClient.query("SELECT 1"));
            List<RawPgClient.Message> answer = c.readUntilReady();
            assertEquals('Z', answer.get(answer.size() - 1).type(), answer.toString());
            c.soTimeout(30_000); // a bound, not a measurement
            RawPgClient.Message m = c.read(); // the session says nothing more until the token expires
            assertTrue(Instant.now().isAfter(ShortLivedTokens.expiry(token).minusMillis(100)), "not before exp");
            assertEquals('E', m.type());
            assertEquals("FATAL", m.field('V'));
            assertEquals("57P01", m.sqlState());
            assertEquals(EXPIRED_MESSAGE, m.field('M'));
            assertTrue(c.closedByServer());
        }
        JsonPath trail = ShortLivedTokens.endedSessionsOf(subject, 1);
        assertEquals("token expired", trail.getString("[0].endReason"));
    }

    @Test
    void pgjdbcSeesTheFatalOnItsNextStatementAndTheUpstreamConnectionIsGone() throws Exception {
        String subject = "expiry-jdbc-" + UUID.randomUUID();
        String token = ShortLivedTokens.analyst(subject, 3);
        String app = "expiry-" + UUID.randomUUID();
        try (Connection c = ShortLivedTokens.connect(subject, token, "ApplicationName=" + app)) {
            assertEquals("analyst_ro", scalar(c, "SELECT current_user"));
            assertEquals(1, upstreamBackends(app), "the session's upstream connection");
            ShortLivedTokens.sleepPast(ShortLivedTokens.expiry(token));
            ShortLivedTokens.endedSessionsOf(subject, 1); // the gateway has ended it
            SQLException e = assertThrows(SQLException.class, () -> scalar(c, "SELECT current_user"));
            assertEquals("57P01", e.getSQLState(), e.toString());
            assertTrue(e.getMessage().contains("access token expired"), e.getMessage());
            assertTrue(c.isClosed());
        }
        awaitNoUpstreamBackend(app);
        assertEquals("token expired", ShortLivedTokens.endedSessionsOf(subject, 1).getString("[0].endReason"));
    }

    @Test
    void aStatementInFlightAtExpiryFinishesThenTheSessionEnds() throws Exception {
        String subject = "expiry-inflight-" + UUID.randomUUID();
        String token = ShortLivedTokens.analyst(subject, 3);
        Instant exp = ShortLivedTokens.expiry(token);
        try (Connection c = ShortLivedTokens.connect(subject, token, "")) {
            double sleep = Duration.between(Instant.now(), exp).toMillis() / 1000.0 + 2;
            assertTrue(Instant.now().isBefore(exp), "the statement starts before the token expires");
            assertEquals("42", scalar(c, "SELECT 42 FROM pg_sleep(" + sleep + ")"), "the statement completes");
            assertTrue(Instant.now().isAfter(exp), "the statement spanned the expiry");
            SQLException e = assertThrows(SQLException.class, () -> scalar(c, "SELECT 1"));
            assertEquals("57P01", e.getSQLState(), e.toString());
        }
        JsonPath trail = ShortLivedTokens.endedSessionsOf(subject, 1);
        assertEquals("token expired", trail.getString("[0].endReason"));
        JsonPath detail = ShortLivedTokens.detail(trail.getString("[0].id"));
        List<Map<String, Object>> statements = detail.getList("statements");
        Map<String, Object> last = statements.get(statements.size() - 1);
        assertTrue(String.valueOf(last.get("text")).contains("pg_sleep"), detail.prettify());
        assertEquals(1, last.get("rows"), "the statement in flight completed: " + last);
        assertEquals(null, last.get("sqlState"), last.toString());
    }

    @Test
    void aStatementOutlastingTheGraceIsCancelledAndTheSessionEnds() throws Exception {
        String subject = "expiry-grace-" + UUID.randomUUID();
        String token = ShortLivedTokens.analyst(subject, 3);
        String app = "expiry-" + UUID.randomUUID();
        try (Connection c = ShortLivedTokens.connect(subject, token, "ApplicationName=" + app + "&socketTimeout=90")) {
            SQLException e = assertThrows(SQLException.class, () -> scalar(c, "SELECT 1 FROM pg_sleep(600)"));
            assertEquals("57P01", e.getSQLState(), e.toString());
            assertTrue(e.getMessage().contains("access token expired"), e.getMessage());
            assertTrue(Instant.now().isAfter(ShortLivedTokens.expiry(token)
                    .plusSeconds(TokenExpiryProfile.GRACE_SECONDS)), "ended after the grace, not at expiry");
        }
        awaitNoUpstreamBackend(app); // cancelled upstream, not left sleeping
        assertEquals("token expired", ShortLivedTokens.endedSessionsOf(subject, 1).getString("[0].endReason"));
    }

    @Test
    void anOpenTransactionDoesNotKeepTheSessionAlive() throws Exception {
        String subject = "expiry-tx-" + UUID.randomUUID();
        String token = ShortLivedTokens.analyst(subject, 3);
        try (Connection c = ShortLivedTokens.connect(subject, token, "")) {
            c.setAutoCommit(false);
            assertEquals("100", scalar(c, "SELECT count(*) FROM customers"));
            ShortLivedTokens.sleepPast(ShortLivedTokens.expiry(token));
            ShortLivedTokens.endedSessionsOf(subject, 1);
            SQLException e = assertThrows(SQLException.class, () -> scalar(c, "SELECT 1"));
            assertEquals("57P01", e.getSQLState(), e.toString());
        }
        assertEquals("token expired", ShortLivedTokens.endedSessionsOf(subject, 1).getString("[0].endReason"));
    }

    @Test
    void anMcpSessionsListenerSessionEndsWithItsTokenAndTheNextCallLogsInWithTheFreshOne() throws Exception {
        String subject = "expiry-mcp-" + UUID.randomUUID();
        // Long enough for the first call to finish before it expires, even when the MCP client starts slowly.
        String first = ShortLivedTokens.analyst(subject, 12);
        AtomicReference<String> current = new AtomicReference<>(first);
        try (McpJavaAgent agent = McpJavaAgent.connect(mcp, current::get, "expiry-agent", "1")) {
            McpSchema.CallToolResult r = agent.call("query", Map.of("sql", "SELECT 1 AS one"));
            assertNotEquals(Boolean.TRUE, r.isError(), r.toString());
            assertTrue(Instant.now().isBefore(ShortLivedTokens.expiry(first)), "the first call ran before expiry");
            ShortLivedTokens.sleepPast(ShortLivedTokens.expiry(first));
            JsonPath ended = ShortLivedTokens.endedSessionsOf(subject, 1);
            assertEquals("token expired", ended.getString("[0].endReason"));

            current.set(ShortLivedTokens.analyst(subject, 600)); // the host refreshed its token
            r = agent.call("query", Map.of("sql", "SELECT 2 AS two"));
            assertNotEquals(Boolean.TRUE, r.isError(), r.toString());
            assertEquals(2, McpJavaAgent.json(r).at("/rows/0/0").asInt());
        }
        JsonPath both = ShortLivedTokens.endedSessionsOf(subject, 2);
        assertEquals(List.of("client terminated", "token expired"), both.getList("endReason"), both.prettify());
    }

    private static String scalar(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            if (!rs.next()) {
                fail(sql + " returned no row");
            }
            return rs.getString(1);
        }
    }

    /** Upstream connections of sessions with this application name, as PostgreSQL itself lists them. */
    private static int upstreamBackends(String applicationName) throws SQLException {
        try (Connection su = PostgresFixture.shared().superuserConnection();
                var ps = su.prepareStatement("SELECT count(*) FROM pg_stat_activity WHERE application_name = ?")) {
            ps.setString(1, applicationName);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    private static void awaitNoUpstreamBackend(String applicationName) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (upstreamBackends(applicationName) != 0) {
            assertTrue(System.nanoTime() < deadline, "the upstream connection of " + applicationName + " is still there");
            Thread.sleep(100);
        }
    }
}
