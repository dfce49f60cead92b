package dev.pgwarden.audit;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.pgwarden.testing.Gateway;
import dev.pgwarden.testing.GatewayTestResource;
import dev.pgwarden.testing.PostgresFixture;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;

/** audit verify (REST and CLI) against tampering, the exports, and the retention job, on the shared store. */
@QuarkusTest
@QuarkusTestResource(GatewayTestResource.class)
class AuditVerifyExportTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String NAME_2 = "Liam Brown"; // customer 2 of the fixture

    @Inject
    AuditRetention retention;

    static String auditor() {
        return GatewayTestResource.token("auditor-2", "auditors");
    }

    /** Runs {@code sqls} in one session of a new subject; returns the recorded session's id once it ended. */
    static String session(String... sqls) throws Exception {
        String subject = "agent-" + UUID.randomUUID();
        try (Connection c = Gateway.connect(subject, "assumeMinServerVersion=9.0", "analysts");
                Statement st = c.createStatement()) {
            for (String sql : sqls) {
                st.execute(sql);
            }
        }
        return AuditTrailTest.sessionOf(subject, auditor()).getString("session.id");
    }

    static Connection store() throws SQLException {
        PostgresFixture pg = PostgresFixture.shared();
        return pg.connect(PostgresFixture.STORE_DATABASE, pg.superuser(), pg.superuserPassword());
    }

    static JsonPath verify() {
        return given().auth().oauth2(auditor()).when().get("/api/audit/verify").then().statusCode(200)
                .extract().jsonPath();
    }

    static int cli(ByteArrayOutputStream out) throws Exception {
        Path pw = Files.createTempFile("store", ".pw");
        try {
            Files.writeString(pw, PostgresFixture.STORE_PASSWORD + "\n");
            return AuditVerify.run(new String[] { "--url", PostgresFixture.shared().storeJdbcUrl(), "--user",
                    PostgresFixture.STORE_USER, "--password-file", pw.toString() }, Map.of(),
                    new PrintStream(out, true, StandardCharsets.UTF_8), System.err);
        } finally {
            Files.delete(pw);
        }
    }

    @Test
    void alteringOneStoredRowIsNamedByVerify() throws Exception {
        String id = session("SELECT name FROM customers WHERE id = 1", "SELECT name FROM customers WHERE id = 2",
                "SELECT name FROM customers WHERE id = 3");
        assertTrue(verify().getBoolean("ok"), "intact before: " + verify().prettify());
        String original;
        try (Connection c = store(); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT result FROM pgwarden.audit_statement WHERE session_id = '"
                        + id + "' AND seq = 2")) {
            rs.next();
            original = rs.getString(1);
        }
        assertTrue(original.contains(NAME_2), original);
        String forged = original.replace("Liam", "Nobody");
        try {
            try (Connection c = store(); PreparedStatement ps = c.prepareStatement(
                    "UPDATE pgwarden.audit_statement SET result = ? WHERE session_id = ? AND seq = 2")) {
                ps.setString(1, forged);
                ps.setString(2, id);
                assertEquals(1, ps.executeUpdate());
            }
            // Without verification the forgery passes as the record: the API shows it.
            JsonPath s = given().auth().oauth2(auditor()).when().get("/api/sessions/" + id).then().statusCode(200)
                    .extract().jsonPath();
            assertEquals(NAME_2.replace("Liam", "Nobody"), s.getString("statements[1].result.rows[0][0]"),
                    s.prettify());

            JsonPath v = verify();
            assertFalse(v.getBoolean("ok"));
            assertEquals("statement", v.getString("firstBroken.record"));
            assertEquals(id, v.getString("firstBroken.sessionId"));
            assertEquals(2, v.getInt("firstBroken.seq"));

            ByteArrayOutputStream out = new ByteArrayOutputStream();
            assertEquals(1, cli(out), "the command line says broken too");
            String printed = out.toString(StandardCharsets.UTF_8);
            assertTrue(printed.contains("statement 2 of session " + id), printed);
        } finally {
            try (Connection c = store(); PreparedStatement ps = c.prepareStatement(
                    "UPDATE pgwarden.audit_statement SET result = ? WHERE session_id = ? AND seq = 2")) {
                ps.setString(1, original);
                ps.setString(2, id);
                ps.executeUpdate();
            }
        }
        assertTrue(verify().getBoolean("ok"), "intact again once restored");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertEquals(0, cli(out), out.toString(StandardCharsets.UTF_8));
    }

    @Test
    void deletingARecordIsNamedByVerify() throws Exception {
        String id = session("SELECT 1", "SELECT 2", "SELECT 3");
        try (Connection c = store(); Statement st = c.createStatement()) {
            st.execute("CREATE TEMP TABLE saved AS SELECT * FROM pgwarden.audit_statement WHERE session_id = '" + id
                    + "' AND seq = 2");
            assertEquals(1, st.executeUpdate("DELETE FROM pgwarden.audit_statement WHERE session_id = '" + id
                    + "' AND seq = 2"));
            try {
                JsonPath v = verify();
                assertFalse(v.getBoolean("ok"));
                assertEquals("statement", v.getString("firstBroken.record"));
                assertEquals(id, v.getString("firstBroken.sessionId"));
                assertEquals(2, v.getInt("firstBroken.seq"));
                assertTrue(v.getString("firstBroken.problem").startsWith("missing"), v.prettify());
            } finally {
                st.execute("INSERT INTO pgwarden.audit_statement SELECT * FROM saved");
            }
        }
        assertTrue(verify().getBoolean("ok"), verify().prettify());
    }

    @Test
    void aSessionExportsAsJsonLinesAndCsvWithItsHashes() throws Exception {
        String id = session("SELECT id, name FROM customers WHERE id IN (1, 2) ORDER BY id",
                "SELECT 'a, \"quoted\"' AS tricky");
        List<JsonNode> lines = given().auth().oauth2(auditor()).queryParam("format", "jsonl")
                .when().get("/api/sessions/" + id + "/export").then().statusCode(200)
                .contentType("application/x-ndjson").extract().asString().lines().map(AuditVerifyExportTest::json)
                .toList();
        assertEquals(List.of("session", "statement", "statement", "chain"),
                lines.stream().map(l -> l.get("type").asText()).toList());
        assertEquals(id, lines.get(0).get("id").asText());
        assertEquals(lines.get(0).get("finalHash").asText(), lines.get(3).get("sessionHash").asText());
        assertEquals(NAME_2, lines.get(1).at("/result/rows/1/1").asText());
        // The export carries what the hashes cover: a statement re-hashes to the stored value offline.
        JsonNode start = lines.get(0);
        String h = AuditHash.sessionStart(id, start.get("subject").asText(), start.get("groups").toString(),
                start.get("role").asText(), start.get("clientAddress").asText(), start.get("tls").asBoolean(),
                Micros.of(Instant.parse(start.get("startedAt").asText())));
        assertEquals(start.get("startHash").asText(), h);
        JsonNode st = lines.get(1);
        assertEquals("[]", st.get("parameters").toString(), "an Execute without parameters");
        String sh = AuditHash.statement(h, id, 1, st.get("text").asText(), st.get("parameters").toString(),
                st.get("decision").asText(), null,
                st.get("policyVersion").asText(), null, Micros.of(Instant.parse(st.get("startedAt").asText())),
                Micros.of(Instant.parse(st.get("finishedAt").asText())), st.get("rows").asLong(), null, null,
                st.get("bytes").asLong(), st.get("result").toString());
        assertEquals(st.get("hash").asText(), sh);

        String csv = given().auth().oauth2(auditor()).queryParam("format", "csv")
                .when().get("/api/sessions/" + id + "/export").then().statusCode(200).extract().asString();
        List<String> rows = csv.lines().toList();
        assertTrue(rows.get(0).startsWith("session_id,seq,subject,"), rows.get(0));
        assertEquals(3, rows.size(), csv);
        assertTrue(rows.get(2).contains("\"SELECT 'a, \"\"quoted\"\"' AS tricky\""), rows.get(2));

        given().auth().oauth2(auditor()).queryParam("format", "xml").when().get("/api/sessions/" + id + "/export")
                .then().statusCode(400);
    }

    @Test
    void theBulkExportStreamsALargeLog() throws Exception {
        Instant from = Instant.now();
        String subject = "bulk-" + UUID.randomUUID();
        int perQuery = 250;
        int queries = 4;
        String one = "SELECT repeat('x', 1000) FROM generate_series(1, 12);";
        try (Connection c = Gateway.connect(subject, "assumeMinServerVersion=9.0&preferQueryMode=simple", "analysts");
                Statement st = c.createStatement()) {
            String many = one.repeat(perQuery);
            for (int i = 0; i < queries; i++) {
                st.execute(many);
            }
        }
        String id = AuditTrailTest.sessionOf(subject, auditor()).getString("session.id");
        Response r = given().auth().oauth2(auditor()).queryParam("from", from.toString())
                .queryParam("to", Instant.now().plusSeconds(60).toString())
                .when().get("/api/audit/export");
        assertEquals(200, r.statusCode());
        assertEquals("chunked", r.getHeader("Transfer-Encoding"), "streamed, not buffered whole");
        assertNull(r.getHeader("Content-Length"));
        long statements = 0;
        long bytes = 0;
        boolean chained = false;
        try (BufferedReader in = new BufferedReader(new InputStreamReader(r.asInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                bytes += line.length();
                if (line.contains("\"sessionId\":\"" + id + "\"")) {
                    JsonNode n = json(line);
                    if ("statement".equals(n.get("type").asText())) {
                        statements++;
                        assertEquals(12, n.at("/result/totalRows").asInt());
                    } else if ("chain".equals(n.get("type").asText())) {
                        chained = true;
                    }
                }
            }
        }
        assertEquals((long) perQuery * queries, statements);
        assertTrue(chained, "the session's chain entry is exported");
        assertTrue(bytes > 10_000_000, "a large export: " + bytes + " bytes");
    }

    @Test
    void retentionRemovesOldSessionsAndLeavesItsOwnRecord() throws Exception {
        String old = session("SELECT 'old'");
        Instant cutoff = Instant.now();
        Thread.sleep(5);
        AuditRetention.Outcome o = retention.removeBefore(cutoff);
        assertTrue(o.sessions() >= 1 && o.statements() >= 1 && o.chainEntries() >= 1, o.toString());
        given().auth().oauth2(auditor()).when().get("/api/sessions/" + old).then().statusCode(404);
        String young = session("SELECT 'young'");
        given().auth().oauth2(auditor()).when().get("/api/sessions/" + young).then().statusCode(200);

        JsonPath v = verify();
        assertTrue(v.getBoolean("ok"), "the chain verifies from the anchor the retention record names: "
                + v.prettify());
        List<JsonNode> chain = given().auth().oauth2(auditor()).queryParam("from", cutoff.toString())
                .when().get("/api/audit/export").then().statusCode(200).extract().asString().lines()
                .map(AuditVerifyExportTest::json).filter(n -> "chain".equals(n.get("type").asText())).toList();
        JsonNode record = chain.stream().filter(n -> "retention".equals(n.get("kind").asText())).findFirst()
                .orElseThrow(() -> new AssertionError("no retention record in " + chain));
        assertEquals(o.chainSeq(), record.get("seq").asLong());
        assertEquals(cutoff.toString(), record.at("/detail/cutoff").asText());
        assertEquals(o.sessions(), record.at("/detail/sessions").asLong());

        // Cutting more of the chain's start away is not a retention run: verify names it.
        try (Connection c = store(); Statement st = c.createStatement()) {
            st.execute("CREATE TEMP TABLE first_entry AS SELECT * FROM pgwarden.audit_chain ORDER BY seq LIMIT 1");
            st.execute("DELETE FROM pgwarden.audit_chain WHERE seq = (SELECT seq FROM first_entry)");
            try {
                JsonPath broken = verify();
                assertFalse(broken.getBoolean("ok"));
                assertEquals("chain", broken.getString("firstBroken.record"));
            } finally {
                st.execute("INSERT INTO pgwarden.audit_chain SELECT * FROM first_entry");
            }
        }
        assertTrue(verify().getBoolean("ok"));
    }

    @Test
    void onlyAuditorsMayExportOrVerify() {
        String agent = GatewayTestResource.token("agent-7", "analysts");
        given().auth().oauth2(agent).when().get("/api/audit/export").then().statusCode(403);
        given().auth().oauth2(agent).when().get("/api/audit/verify").then().statusCode(403);
        given().auth().oauth2(agent).when().get("/api/sessions/x/export").then().statusCode(403);
        given().when().get("/api/audit/export").then().statusCode(401);
        given().when().get("/api/audit/verify").then().statusCode(401);
        given().auth().oauth2(auditor()).queryParam("format", "csv").when().get("/api/audit/export")
                .then().statusCode(400);
    }

    private static JsonNode json(String line) {
        try {
            return JSON.readTree(line);
        } catch (Exception e) {
            throw new AssertionError("not JSON: " + line, e);
        }
    }
}
