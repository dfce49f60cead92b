package dev.pgwarden.audit;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.pgwarden.gate.MaskingPolicyProfile;
import dev.pgwarden.testing.Gateway;
import dev.pgwarden.testing.GatewayTestResource;
import dev.pgwarden.testing.Jdbc;
import dev.pgwarden.testing.PostgresFixture;
import dev.pgwarden.testing.ProcessResult;
import dev.pgwarden.testing.Psql;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;

/**
 * Real sessions through the gateway (pgjdbc and psql) with the masking policy, then the trail as
 * an auditor reads it from {@code /api/sessions}.
 */
@QuarkusTest
@QuarkusTestResource(GatewayTestResource.class)
@TestProfile(MaskingPolicyProfile.class)
class AuditTrailTest {
    private static String ssn;

    @BeforeAll
    static void rawValues() {
        ssn = PostgresFixture.shared().queryForString("SELECT ssn FROM customers WHERE id = 7");
    }

    static String auditor() {
        return GatewayTestResource.token("auditor-1", "auditors");
    }

    /** The one session of {@code subject}, once its end has been recorded. */
    static JsonPath sessionOf(String subject) throws InterruptedException {
        return sessionOf(subject, auditor());
    }

    static JsonPath sessionOf(String subject, String auditorToken) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (true) {
            JsonPath list = given().auth().oauth2(auditorToken).queryParam("subject", subject)
                    .when().get("/api/sessions").then().statusCode(200).extract().jsonPath();
            if (list.getList("$").size() == 1 && list.getString("[0].endedAt") != null) {
                String id = list.getString("[0].id");
                return given().auth().oauth2(auditorToken).when().get("/api/sessions/" + id)
                        .then().statusCode(200).extract().jsonPath();
            }
            assertTrue(System.nanoTime() < deadline, "session of " + subject + " not recorded: " + list.prettify());
            Thread.sleep(50);
        }
    }

    /** Driver options for sessions whose statements are counted: the application name goes in the startup packet. */
    static final String NO_SET = "assumeMinServerVersion=9.0";

    static String subject() {
        return "agent-" + UUID.randomUUID();
    }

    @Test
    void theApplicationNameIsRecordedAsPostgresKeepsIt() throws Exception {
        String sent = "audit\u001b[2J\r\ntest\u00e9";
        String options = NO_SET + "&ApplicationName=" + java.net.URLEncoder.encode(sent, java.nio.charset.StandardCharsets.UTF_8);
        String direct;
        java.util.Properties superuser = new java.util.Properties();
        superuser.setProperty("user", PostgresFixture.shared().superuser());
        superuser.setProperty("password", PostgresFixture.shared().superuserPassword());
        try (Connection c = Jdbc.connect(PostgresFixture.shared().jdbcUrl() + "?" + options, superuser);
                ResultSet rs = c.createStatement().executeQuery("SHOW application_name")) {
            assertTrue(rs.next());
            direct = rs.getString(1);
        }
        assertEquals("audit?[2J??test??", direct, "PostgreSQL keeps printable ASCII only");
        String subject = subject();
        try (Connection c = Gateway.connect(subject, options, "analysts")) {
            c.createStatement().execute("SELECT 1");
        }
        assertEquals(direct, sessionOf(subject).getString("session.applicationName"),
                "the trail holds the name as PostgreSQL keeps it, not the control characters sent");
    }

    @Test
    void everyStatementOfAJdbcSessionIsRecorded() throws Exception {
        String subject = subject();
        try (Connection c = Gateway.connect(subject, "ApplicationName=audit-test", "analysts")) {
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT id, name FROM customers WHERE id <= 3 ORDER BY id")) {
                while (rs.next()) {
                    // read it all, as a client does
                }
            }
            try (PreparedStatement ps = c.prepareStatement("SELECT amount FROM orders WHERE id = ?")) {
                ps.setInt(1, 42);
                try (ResultSet rs = ps.executeQuery()) {
                    assertTrue(rs.next());
                }
            }
            SQLException refused = assertThrows(SQLException.class,
                    () -> c.createStatement().execute("DELETE FROM orders WHERE id = 1"));
            assertEquals("42501", refused.getSQLState());
            SQLException failed = assertThrows(SQLException.class,
                    () -> c.createStatement().executeQuery("SELECT 1 / 0"));
            assertEquals("22012", failed.getSQLState());
        }
        JsonPath s = sessionOf(subject);
        assertEquals("analyst_ro", s.getString("session.role"));
        assertEquals(List.of("analysts"), s.getList("session.groups"));
        assertEquals("audit-test", s.getString("session.applicationName"));
        assertEquals(false, s.getBoolean("session.tls"));
        assertEquals("client terminated", s.getString("session.endReason"));
        assertEquals(5, s.getInt("session.statements"));

        List<Map<String, Object>> st = s.getList("statements");
        assertEquals(5, st.size(), s.prettify());
        // pgjdbc sets the application name with its first statement: the log has that too.
        assertEquals("SET application_name = 'audit-test'", st.get(0).get("text"));

        assertEquals("SELECT id, name FROM customers WHERE id <= 3 ORDER BY id", st.get(1).get("text"));
        assertEquals(3, s.getInt("statements[1].rows"));
        assertEquals(List.of("id", "name"), s.getList("statements[1].result.columns.name"));
        assertEquals(List.of("int4", "text"), s.getList("statements[1].result.columns.type"));
        assertEquals(List.of("1", "Olivia Smith"), s.getList("statements[1].result.rows[0]"));

        assertEquals("SELECT amount FROM orders WHERE id = $1", st.get(2).get("text"));
        assertEquals(List.of("42"), s.getList("statements[2].parameters"));
        assertEquals(1, s.getInt("statements[2].rows"));
        assertEquals(PostgresFixture.shared().queryForString("SELECT amount FROM orders WHERE id = 42"),
                s.getString("statements[2].result.rows[0][0]"));

        assertEquals("DELETE FROM orders WHERE id = 1", st.get(3).get("text"));
        assertEquals("refused", st.get(3).get("decision"));
        assertEquals("42501", st.get(3).get("sqlState"));
        assertEquals("agents are read-only", st.get(3).get("message"));
        assertEquals("agents-read-only", st.get(3).get("rule"));
        assertNotNull(st.get(3).get("policyVersion"));
        assertNull(st.get(3).get("result"));

        assertEquals("SELECT 1 / 0", st.get(4).get("text"));
        assertEquals("allowed", st.get(4).get("decision"));
        assertEquals("22012", st.get(4).get("sqlState"));
        assertEquals("division by zero", st.get(4).get("message"));
        for (int i = 0; i < st.size(); i++) {
            assertEquals(i + 1, s.getInt("statements[" + i + "].seq"));
            assertEquals(64, s.getString("statements[" + i + "].hash").length());
        }
    }

    @Test
    void aPsqlScriptIsRecordedStatementByStatement() throws Exception {
        String subject = subject();
        ProcessResult r = Psql.to(Gateway.target(subject, "analysts"))
                .script("SELECT count(*) FROM orders;\nSELECT 'a' AS x, 2 AS y;\n");
        assertTrue(r.succeeded(), r.describe());
        JsonPath s = sessionOf(subject);
        assertEquals("pgwarden-test-psql", s.getString("session.applicationName"));
        assertEquals(List.of("SELECT count(*) FROM orders", "SELECT 'a' AS x, 2 AS y"),
                s.getList("statements.text"));
        assertEquals(List.of("1000"), s.getList("statements[0].result.rows[0]"));
        assertEquals(List.of("a", "2"), s.getList("statements[1].result.rows[0]"));
    }

    @Test
    void aSimpleQueryWithSeveralStatementsGivesOneRecordEach() throws Exception {
        String subject = subject();
        try (Connection c = Gateway.connect(subject, "preferQueryMode=simple&" + NO_SET, "analysts");
                Statement st = c.createStatement()) {
            st.execute("SELECT 1 AS one; SELECT 2 AS two");
        }
        JsonPath s = sessionOf(subject);
        assertEquals(List.of("SELECT 1 AS one", "SELECT 2 AS two"), s.getList("statements.text"));
        assertEquals(List.of("2"), s.getList("statements[1].result.rows[0]"));
    }

    @Test
    void capturedResultsAreWhatTheClientSawMaskedNeverRaw() throws Exception {
        PostgresFixture pg = PostgresFixture.shared();
        assertTrue(ssn.matches("\\d{3}-\\d{2}-\\d{4}"), "the raw SSN is in PostgreSQL: " + ssn);
        String subject = subject();
        String seen;
        try (Connection c = Gateway.connect(subject, NO_SET, "analysts"); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT name, ssn, 'ssn is ' || ssn AS note FROM customers WHERE id = 7")) {
            assertTrue(rs.next());
            seen = rs.getString(2);
            assertFalse(seen.contains(ssn.substring(0, 6)), "the client got a masked SSN");
        }
        JsonPath s = sessionOf(subject);
        assertEquals("masked", s.getString("statements[0].decision"));
        assertEquals(seen, s.getString("statements[0].result.rows[0][1]"), "the log holds what the client saw");
        String stored = s.getString("statements[0].result");
        assertFalse(stored.contains(ssn), "no raw SSN in the captured result: " + stored);
        try (Connection store = pg.connect(PostgresFixture.STORE_DATABASE, pg.superuser(), pg.superuserPassword());
                PreparedStatement ps = store.prepareStatement(
                        "SELECT count(*) FROM pgwarden.audit_statement WHERE result LIKE ? OR parameters LIKE ?")) {
            ps.setString(1, "%" + ssn + "%");
            ps.setString(2, "%" + ssn + "%");
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                assertEquals(0, rs.getInt(1), "the raw SSN is nowhere in the store");
            }
        }
    }

    @Test
    void bindParametersCarryingPiiAreMaskedInTheLog() throws Exception {
        String subject = subject();
        try (Connection c = Gateway.connect(subject, NO_SET, "analysts");
                PreparedStatement ps = c.prepareStatement("SELECT id FROM customers WHERE ssn = ? AND name <> ?")) {
            ps.setString(1, ssn);
            ps.setString(2, "nobody");
            try (ResultSet rs = ps.executeQuery()) {
                assertTrue(rs.next());
                assertEquals(7, rs.getInt(1), "the statement ran with the real value");
            }
        }
        JsonPath s = sessionOf(subject);
        List<String> params = s.getList("statements[0].parameters");
        assertEquals(2, params.size());
        assertFalse(params.get(0).contains(ssn), "raw SSN in the logged parameters: " + params);
        assertEquals("***-**-" + ssn.substring(7), params.get(0));
        assertEquals("nobody", params.get(1));
    }

    @Test
    void piiInlinedInTheStatementTextIsMaskedInTheLog() throws Exception {
        String subject = subject();
        String sql = "SELECT id FROM customers WHERE ssn = '" + ssn + "'";
        try (Connection c = Gateway.connect(subject, NO_SET + "&preferQueryMode=simple", "analysts");
                Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            assertTrue(rs.next());
            assertEquals(7, rs.getInt(1), "the statement ran with the real value");
        }
        String logged = sessionOf(subject).getString("statements[0].text");
        assertFalse(logged.contains(ssn), "raw SSN in the logged text: " + logged);
        assertEquals("SELECT id FROM customers WHERE ssn = '***-**-" + ssn.substring(7) + "'", logged);
    }

    @Test
    void aLargeResultIsCappedAndSaysSo() throws Exception {
        String subject = subject();
        int rows = 0;
        try (Connection c = Gateway.connect(subject, NO_SET, "analysts"); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT id, name FROM customers ORDER BY id")) {
            while (rs.next()) {
                rows++;
            }
        }
        assertEquals(PostgresFixture.CUSTOMER_COUNT, rows);
        JsonPath s = sessionOf(subject);
        assertTrue(s.getBoolean("statements[0].result.truncated"));
        assertEquals(PostgresFixture.CUSTOMER_COUNT, s.getInt("statements[0].result.totalRows"));
        assertEquals(50, s.getList("statements[0].result.rows").size(), "capture-rows is 50 in tests");
        assertEquals(PostgresFixture.CUSTOMER_COUNT, s.getInt("statements[0].rows"));
        assertEquals(PostgresFixture.CUSTOMER_COUNT, s.getInt("session.rows"));
    }

    @Test
    void extendedProtocolWithBinaryResultsAndPreparedReuse() throws Exception {
        String subject = subject();
        try (Connection c = Gateway.connect(subject, "prepareThreshold=1&binaryTransfer=true&" + NO_SET, "analysts");
                PreparedStatement ps = c.prepareStatement("SELECT id, balance, birth_date FROM customers WHERE id = ?")) {
            for (int id : new int[] { 1, 2, 3 }) {
                ps.setInt(1, id);
                try (ResultSet rs = ps.executeQuery()) {
                    assertTrue(rs.next());
                }
            }
        }
        JsonPath s = sessionOf(subject);
        assertEquals(3, s.getList("statements").size(), s.prettify());
        PostgresFixture pg = PostgresFixture.shared();
        for (int i = 0; i < 3; i++) {
            int id = i + 1;
            assertEquals(List.of(String.valueOf(id)), s.getList("statements[" + i + "].parameters"));
            assertEquals(List.of(String.valueOf(id),
                    pg.queryForString("SELECT balance FROM customers WHERE id = " + id),
                    pg.queryForString("SELECT birth_date FROM customers WHERE id = " + id)),
                    s.getList("statements[" + i + "].result.rows[0]"), "binary values shown as text");
        }
    }

    @Test
    void auditorsGet200AgentsGet403AnonymousGets401() {
        given().auth().oauth2(auditor()).when().get("/api/sessions").then().statusCode(200);
        given().auth().oauth2(GatewayTestResource.token("agent-7", "analysts")).when().get("/api/sessions")
                .then().statusCode(403);
        given().auth().oauth2(GatewayTestResource.token("agent-9", "support")).when().get("/api/sessions/x")
                .then().statusCode(403);
        given().when().get("/api/sessions").then().statusCode(401);
        given().auth().oauth2(auditor()).when().get("/api/sessions/no-such-session").then().statusCode(404);
        given().auth().oauth2(auditor()).queryParam("from", "yesterday").when().get("/api/sessions")
                .then().statusCode(400);
    }
}
