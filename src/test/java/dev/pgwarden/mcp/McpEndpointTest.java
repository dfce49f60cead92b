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

    private static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }
}
