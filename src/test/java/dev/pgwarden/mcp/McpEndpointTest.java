package dev.pgwarden.mcp;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URL;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import dev.pgwarden.testing.GatewayTestResource;
import dev.pgwarden.testing.Jdbc;
import dev.pgwarden.testing.McpJavaAgent;
import dev.pgwarden.testing.PostgresFixture;
import io.modelcontextprotocol.spec.McpError;
import io.modelcontextprotocol.spec.McpSchema;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;

/**
 * The MCP endpoint driven in-process by the MCP Java SDK's client: the guards of the listener
 * applied to MCP sessions (masking, refusals, approvals, audit), and the endpoint's own contract
 * (truncation, describe_table's masking marks, JSON-RPC errors, request size, session ownership
 * and bound).
 */
@QuarkusTest
@QuarkusTestResource(GatewayTestResource.class)
@TestProfile(McpProfile.class)
class McpEndpointTest {
    static final String APPROVERS = "pgwarden-approvers";

    @TestHTTPResource("/mcp")
    URL mcp;

    private static String rawSsn;
    private static String rawCard;

    @BeforeAll
    static void rawValues() {
        rawSsn = PostgresFixture.shared().queryForString("SELECT ssn FROM customers WHERE id = 7");
        rawCard = PostgresFixture.shared().queryForString("SELECT card_number FROM customers WHERE id = 7");
    }

    McpJavaAgent agent(String subject, String... groups) {
        return McpJavaAgent.connect(mcp, GatewayTestResource.token(subject, groups), "pgwarden-java-agent", "9.8.7");
    }

    @Test
    void aMaskedQueryShowsOnlyMaskedValuesWhereThePostgresResultHasTheRawOnes() throws Exception {
        String sql = "SELECT id, name, ssn, card_number FROM customers WHERE id = $1";
        // Without the gateway: the raw SSN and card number.
        try (Connection su = PostgresFixture.shared().superuserConnection(); Statement st = su.createStatement()) {
            List<String> direct = Jdbc.firstColumn(st, "SELECT ssn FROM customers WHERE id = 7");
            assertEquals(List.of(rawSsn), direct);
            assertTrue(rawSsn.matches("\\d{3}-\\d{2}-\\d{4}"), rawSsn);
        }
        try (McpJavaAgent a = agent("mcp-masked", "analysts")) {
            McpSchema.CallToolResult r = a.call("query", Map.of("sql", sql, "parameters", List.of(7)));
            assertNotEquals(Boolean.TRUE, r.isError(), r.toString());
            JsonNode out = McpJavaAgent.json(r);
            assertEquals("id", out.at("/columns/0/name").asText());
            assertEquals("int4", out.at("/columns/0/type").asText());
            assertEquals(7, out.at("/rows/0/0").asInt());
            assertTrue(out.at("/rows/0/0").isNumber());
            assertEquals("****", out.at("/rows/0/2").asText());
            String card = out.at("/rows/0/3").asText();
            assertTrue(card.endsWith(rawCard.substring(rawCard.length() - 4)) && !card.equals(rawCard), card);
            assertFalse(out.toString().contains(rawSsn));
            assertEquals(1, out.get("row_count").asInt());
            assertFalse(out.get("truncated").asBoolean());
            assertEquals("SELECT 1", out.get("command").asText());
        }
    }

    @Test
    void aBlockedStatementIsAToolErrorWithTheSqlStateAndTheRule() {
        try (McpJavaAgent a = agent("mcp-blocked", "analysts")) {
            McpSchema.CallToolResult r = a.call("query", Map.of("sql", "DELETE FROM orders WHERE id = 1"));
            assertEquals(Boolean.TRUE, r.isError());
            JsonNode e = McpJavaAgent.json(r).get("error");
            assertEquals("42501", e.get("sqlstate").asText());
            assertEquals("agents are read-only", e.get("message").asText());
            assertTrue(e.get("detail").asText().contains("rule agents-read-only"), e.toString());
            // The session is still usable.
            assertEquals(1, McpJavaAgent.json(a.call("query", Map.of("sql", "SELECT 1 AS one"))).at("/rows/0/0").asInt());
        }
        assertEquals("1000", PostgresFixture.shared().queryForString("SELECT count(*) FROM orders"));
    }

    @Test
    void aSqlErrorCarriesPostgresSqlStateAndMessage() {
        try (McpJavaAgent a = agent("mcp-sqlerror", "analysts")) {
            JsonNode e = McpJavaAgent.json(a.call("query", Map.of("sql", "SELECT 1 / (id - id) FROM orders WHERE id = 1"))).get("error");
            assertEquals("22012", e.get("sqlstate").asText());
            assertEquals("division by zero", e.get("message").asText());
        }
    }

    @Test
    void aLongResultIsCutAtTheRowCapAndSaysSo() {
        try (McpJavaAgent a = agent("mcp-cap", "analysts")) {
            JsonNode out = McpJavaAgent.json(a.call("query", Map.of("sql", "SELECT id, email FROM customers ORDER BY id")));
            assertEquals(McpProfile.ROW_CAP, out.get("rows").size());
            assertEquals(McpProfile.ROW_CAP, out.get("row_count").asInt());
            assertTrue(out.get("truncated").asBoolean(), out.toString());
            assertTrue(out.get("truncation").asText().contains("at most " + McpProfile.ROW_CAP), out.toString());
            assertEquals(McpProfile.ROW_CAP, out.at("/rows/" + (McpProfile.ROW_CAP - 1) + "/0").asInt());
            // Exactly the cap is not truncated.
            JsonNode exact = McpJavaAgent.json(a.call("query", Map.of("sql",
                    "SELECT id FROM customers ORDER BY id LIMIT " + McpProfile.ROW_CAP)));
            assertFalse(exact.get("truncated").asBoolean(), exact.toString());
            assertEquals(McpProfile.ROW_CAP, exact.get("rows").size());
        }
    }

    @Test
    void describeTableMarksTheColumnsMaskedForThisIdentity() {
        try (McpJavaAgent a = agent("mcp-describe", "analysts")) {
            JsonNode out = McpJavaAgent.json(a.call("describe_table", Map.of("table", "customers")));
            Map<String, JsonNode> byName = new java.util.HashMap<>();
            out.get("columns").forEach(c -> byName.put(c.get("name").asText(), c));
            assertTrue(byName.get("ssn").get("masked").asBoolean(), out.toString());
            assertEquals("redact", byName.get("ssn").get("mask").asText());
            assertEquals("last4", byName.get("card_number").get("mask").asText());
            assertEquals("email", byName.get("email").get("mask").asText());
            assertFalse(byName.get("name").get("masked").asBoolean());
            assertEquals("integer", byName.get("id").get("type").asText());
            assertEquals(List.of("card", "email", "ssn"), texts(out.get("content_detectors")));
            JsonNode missing = McpJavaAgent.json(a.call("describe_table", Map.of("table", "public.nope")));
            assertEquals("42P01", missing.at("/error/sqlstate").asText());
        }
    }

    @Test
    void listTablesShowsWhatTheRoleMayRead() {
        try (McpJavaAgent a = agent("mcp-list", "analysts")) {
            JsonNode out = McpJavaAgent.json(a.call("list_tables", Map.of("schema", "public")));
            List<String> names = new ArrayList<>();
            out.get("tables").forEach(t -> names.add(t.get("name").asText()));
            assertTrue(names.contains("customers") && names.contains("orders"), names.toString());
        }
    }

    @Test
    void explainPlansWithoutRunning() {
        try (McpJavaAgent a = agent("mcp-explain", "analysts")) {
            JsonNode out = McpJavaAgent.json(a.call("explain", Map.of("sql", "SELECT * FROM customers WHERE id = $1",
                    "parameters", List.of(3))));
            assertTrue(out.at("/rows/0/0").asText().contains("customers"), out.toString());
            // ANALYZE cannot be smuggled in: it would run the statement.
            JsonNode e = McpJavaAgent.json(a.call("explain", Map.of("sql", "ANALYZE SELECT 1")));
            assertEquals("42601", e.at("/error/sqlstate").asText(), e.toString());
        }
    }

    @Test
    void aHeldStatementAnswersWithItsApprovalIdAndTheResultIsPickedUpOnceApproved() throws Exception {
        String subject = "mcp-held";
        String sql = "SELECT id FROM orders ORDER BY id";
        try (McpJavaAgent a = agent(subject, "analysts")) {
            McpSchema.CallToolResult r = a.call("query", Map.of("sql", sql));
            JsonNode pending = McpJavaAgent.json(r);
            assertNotEquals(Boolean.TRUE, r.isError(), pending.toString());
            assertEquals("pending_approval", pending.get("status").asText(), pending.toString());
            String id = pending.get("approval_id").asText();
            assertTrue(id.startsWith("apr-"), id);
            assertEquals("big-reads", pending.get("rule").asText());
            assertTrue(pending.get("review_url").asText().endsWith("/console/approvals.html?id=" + id), pending.toString());
            // The host was told at once, while the call waited.
            assertTrue(a.progress.stream().anyMatch(p -> p.message().contains(id) && p.message().contains("big-reads")),
                    a.progress.toString());
            Map<String, Object> request = approval(id);
            assertEquals("PENDING", request.get("status"));
            assertEquals(subject, request.get("subject"));
            // While it is held, nothing else of this session runs.
            JsonNode busy = McpJavaAgent.json(a.call("query", Map.of("sql", "SELECT 1")));
            assertEquals("55000", busy.at("/error/sqlstate").asText(), busy.toString());
            assertEquals(id, busy.get("approval_id").asText());

            decide("ann", id, "approve", "ticket OPS-7");
            JsonNode done = awaitDecided(a, id);
            assertEquals(id, done.get("approval_id").asText(), done.toString());
            assertEquals(McpProfile.ROW_CAP, done.get("rows").size());
            assertTrue(done.get("truncated").asBoolean());
            assertEquals(1, done.at("/rows/0/0").asInt());
            assertTrue(done.get("notices").toString().contains("granted by ann"), done.toString());
            assertEquals("APPROVED", approval(id).get("status"));
            // Picked up once; the session carries on.
            JsonNode again = McpJavaAgent.json(a.call("approval_status", Map.of("approval_id", id)));
            assertEquals("42704", again.at("/error/sqlstate").asText(), again.toString());
            assertEquals(2, McpJavaAgent.json(a.call("query", Map.of("sql", "SELECT 2"))).at("/rows/0/0").asInt());
        }
    }

    @Test
    void aDeniedStatementIsAToolErrorNamingTheDenier() throws Exception {
        try (McpJavaAgent a = agent("mcp-denied", "analysts")) {
            CompletableFuture<McpSchema.CallToolResult> call = CompletableFuture.supplyAsync(
                    () -> a.call("query", Map.of("sql", "SELECT id FROM orders")));
            String id = awaitProgressWithApproval(a);
            decide("ann", id, "deny", "not during the freeze");
            JsonNode out = McpJavaAgent.json(call.get(30, TimeUnit.SECONDS));
            if ("pending_approval".equals(out.path("status").asText())) {
                out = awaitDecided(a, id);
            }
            assertEquals("42501", out.at("/error/sqlstate").asText(), out.toString());
            assertTrue(out.at("/error/message").asText().contains("denied by ann: not during the freeze"), out.toString());
        }
    }

    @Test
    void theAuditTrailRecordsTheMcpClientsNameAndVersionAndTheMaskedResult() throws Exception {
        String subject = "mcp-audited";
        try (McpJavaAgent a = agent(subject, "analysts")) {
            a.call("query", Map.of("sql", "SELECT name, ssn FROM customers WHERE id = $1", "parameters", List.of(7)));
        }
        JsonPath session = endedSessionOf(subject);
        assertEquals("mcp:pgwarden-java-agent/9.8.7", session.getString("session.applicationName"));
        assertEquals("analyst_ro", session.getString("session.role"));
        List<Map<String, Object>> statements = session.getList("statements");
        Map<String, Object> st = statements.stream()
                .filter(m -> String.valueOf(m.get("text")).contains("FROM customers")).findFirst().orElseThrow();
        assertEquals("masked", st.get("decision"));
        assertEquals(List.of("7"), st.get("parameters"));
        String result = String.valueOf(st.get("result"));
        assertTrue(result.contains("****") && !result.contains(rawSsn), result);
    }

    @Test
    void malformedJsonRpcGetsJsonRpcErrorCodes() {
        String token = GatewayTestResource.token("mcp-jsonrpc", "analysts");
        given().auth().oauth2(token).contentType("application/json").accept("application/json, text/event-stream")
                .body("{\"jsonrpc\": \"2.0\", \"id\": 1, \"method\": ").post(mcp.getPath())
                .then().body("error.code", org.hamcrest.Matchers.equalTo(-32700));
        try (McpJavaAgent a = agent("mcp-jsonrpc", "analysts")) {
            McpError noSql = assertThrows(McpError.class, () -> a.call("query", Map.of("parameters", List.of(1))));
            assertEquals(-32602, noSql.getJsonRpcError().code(), noSql.toString());
            McpError badParams = assertThrows(McpError.class,
                    () -> a.call("query", Map.of("sql", "SELECT $1", "parameters", "not-a-list")));
            assertEquals(-32602, badParams.getJsonRpcError().code());
            McpError unknownTool = assertThrows(McpError.class, () -> a.call("drop_everything", Map.of()));
            assertEquals(-32602, unknownTool.getJsonRpcError().code(), unknownTool.toString());
        }
    }

    @Test
    void anOversizeRequestIsRefusedBeforeItIsRead() throws Exception {
        String token = GatewayTestResource.token("mcp-oversize", "analysts");
        String big = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"query\","
                + "\"arguments\":{\"sql\":\"SELECT '" + "x".repeat(70_000) + "'\"}}}";
        given().auth().oauth2(token).contentType("application/json").accept("application/json, text/event-stream")
                .body(big).post(mcp.getPath())
                .then().statusCode(413).body("error.code", org.hamcrest.Matchers.equalTo(-32600));
        // Streamed without a declared length: the same limit.
        java.net.http.HttpResponse<String> chunked = java.net.http.HttpClient.newHttpClient().send(
                java.net.http.HttpRequest.newBuilder(mcp.toURI()).header("Authorization", "Bearer " + token)
                        .header("Content-Type", "application/json").header("Accept", "application/json, text/event-stream")
                        .POST(java.net.http.HttpRequest.BodyPublishers.ofInputStream(
                                () -> new java.io.ByteArrayInputStream(big.getBytes(java.nio.charset.StandardCharsets.UTF_8))))
                        .build(), java.net.http.HttpResponse.BodyHandlers.ofString());
        assertEquals(413, chunked.statusCode(), chunked.body());
    }

    @Test
    void withoutATokenThe401NamesTheProtectedResourceMetadataWhichNamesTheIssuer() {
        io.restassured.response.Response r = given().contentType("application/json")
                .accept("application/json, text/event-stream").body("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}")
                .post(mcp.getPath());
        assertEquals(401, r.statusCode());
        String challenge = r.header("WWW-Authenticate");
        assertNotNull(challenge);
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("resource_metadata=\"([^\"]+)\"").matcher(challenge);
        assertTrue(challenge.startsWith("Bearer") && m.find(), challenge);
        assertTrue(m.group(1).endsWith("/.well-known/oauth-protected-resource"), m.group(1));
        JsonPath metadata = given().get(java.net.URI.create(m.group(1)).getPath()).then().statusCode(200)
                .extract().jsonPath();
        assertEquals(List.of(GatewayTestResource.issuer().issuer()), metadata.getList("authorization_servers"));
        assertNotNull(metadata.getString("resource"));
        // A forged or expired token is refused the same way.
        given().auth().oauth2("not.a.token").contentType("application/json").body("{}").post(mcp.getPath())
                .then().statusCode(401).header("WWW-Authenticate", org.hamcrest.Matchers.containsString("resource_metadata="))
                .body("error.code", org.hamcrest.Matchers.equalTo(-32001));
    }

    @Test
    void anMcpSessionBelongsToTheIdentityThatOpenedIt() {
        String owner = GatewayTestResource.token("mcp-owner", "analysts");
        String other = GatewayTestResource.token("mcp-intruder", "analysts");
        String sessionId = given().auth().oauth2(owner).contentType("application/json")
                .accept("application/json, text/event-stream")
                .body("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2025-06-18\","
                        + "\"capabilities\":{},\"clientInfo\":{\"name\":\"raw\",\"version\":\"1\"}}}")
                .post(mcp.getPath()).then().statusCode(200).extract().header("Mcp-Session-Id");
        given().auth().oauth2(owner).header("Mcp-Session-Id", sessionId).contentType("application/json")
                .accept("application/json, text/event-stream")
                .body("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}").post(mcp.getPath())
                .then().statusCode(202);
        String call = "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":\"query\","
                + "\"arguments\":{\"sql\":\"SELECT current_user\"}}}";
        String owned = given().auth().oauth2(owner).header("Mcp-Session-Id", sessionId).contentType("application/json")
                .accept("application/json, text/event-stream").body(call).post(mcp.getPath()).then().statusCode(200)
                .extract().asString();
        assertTrue(owned.contains("analyst_ro"), owned);
        String stolen = given().auth().oauth2(other).header("Mcp-Session-Id", sessionId).contentType("application/json")
                .accept("application/json, text/event-stream").body(call).post(mcp.getPath()).then().statusCode(200)
                .extract().asString();
        assertTrue(stolen.contains("28000") && stolen.contains("belongs to another identity"), stolen);
        given().auth().oauth2(owner).header("Mcp-Session-Id", sessionId).delete(mcp.getPath()).then().statusCode(200);
    }

    @Test
    void openSessionsAreBoundedAndEndWithTheirMcpSession() throws Exception {
        List<McpJavaAgent> open = new ArrayList<>();
        try {
            JsonNode refused = null;
            for (int i = 0; i <= McpProfile.MAX_SESSIONS && refused == null; i++) {
                McpJavaAgent a = agent("mcp-many-" + i, "analysts");
                open.add(a);
                JsonNode out = McpJavaAgent.json(a.call("query", Map.of("sql", "SELECT 1")));
                if (out.has("error")) {
                    refused = out;
                }
            }
            assertNotNull(refused, "the " + (McpProfile.MAX_SESSIONS + 1) + "th session must be refused");
            assertEquals("53300", refused.at("/error/sqlstate").asText(), refused.toString());
        } finally {
            open.forEach(McpJavaAgent::close);
        }
        // Ended MCP sessions free their places.
        long deadline = System.currentTimeMillis() + 20_000;
        while (true) {
            try (McpJavaAgent a = agent("mcp-after", "analysts")) {
                JsonNode out = McpJavaAgent.json(a.call("query", Map.of("sql", "SELECT 1")));
                if (!out.has("error")) {
                    break;
                }
                assertTrue(System.currentTimeMillis() < deadline, "sessions were not released: " + out);
            }
            Thread.sleep(200);
        }
    }

    // --- helpers ---------------------------------------------------------------------------------

    static void decide(String approver, String id, String how, String reason) {
        given().auth().oauth2(GatewayTestResource.token(approver, APPROVERS)).contentType("application/json")
                .body("{\"reason\":\"" + reason + "\"}").post("/api/approvals/" + id + "/" + how)
                .then().statusCode(200).body("result", org.hamcrest.Matchers.equalTo("DECIDED"));
    }

    static Map<String, Object> approval(String id) {
        return given().auth().oauth2(GatewayTestResource.token("ann", APPROVERS)).get("/api/approvals/" + id)
                .then().statusCode(200).extract().jsonPath().getMap("");
    }

    /** approval_status until the decision's outcome comes back (each call waits up to the configured time). */
    static JsonNode awaitDecided(McpJavaAgent a, String id) {
        for (int i = 0; i < 20; i++) {
            JsonNode out = McpJavaAgent.json(a.call("approval_status", Map.of("approval_id", id)));
            if (!"pending_approval".equals(out.path("status").asText())) {
                return out;
            }
        }
        throw new AssertionError("approval " + id + " was not picked up");
    }

    /** The approval id of the first progress notification that names one. */
    static String awaitProgressWithApproval(McpJavaAgent a) throws InterruptedException {
        java.util.regex.Pattern id = java.util.regex.Pattern.compile("apr-[a-z0-9]+");
        long deadline = System.currentTimeMillis() + 20_000;
        while (System.currentTimeMillis() < deadline) {
            for (McpSchema.ProgressNotification p : a.progress) {
                java.util.regex.Matcher m = id.matcher(p.message());
                if (m.find()) {
                    return m.group();
                }
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no progress notification named an approval: " + a.progress);
    }

    static JsonPath endedSessionOf(String subject) throws InterruptedException {
        String auditor = GatewayTestResource.token("auditor-1", "auditors");
        long deadline = System.currentTimeMillis() + 20_000;
        while (true) {
            JsonPath list = given().auth().oauth2(auditor).queryParam("subject", subject).get("/api/sessions")
                    .then().statusCode(200).extract().jsonPath();
            if (list.getList("$").size() == 1 && list.getString("[0].endedAt") != null) {
                return given().auth().oauth2(auditor).get("/api/sessions/" + list.getString("[0].id"))
                        .then().statusCode(200).extract().jsonPath();
            }
            assertTrue(System.currentTimeMillis() < deadline, "no ended session of " + subject + ": " + list.prettify());
            Thread.sleep(50);
        }
    }

    private static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }
}
