package dev.pgwarden.mcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URL;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import dev.pgwarden.testing.GatewayTestResource;
import dev.pgwarden.testing.NodeMcpClient;
import dev.pgwarden.testing.PostgresFixture;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * The gateway's MCP endpoint as agent hosts reach it: the official TypeScript SDK client
 * ({@code @modelcontextprotocol/sdk} from the npm registry), run by node.
 */
@QuarkusTest
@QuarkusTestResource(GatewayTestResource.class)
@TestProfile(McpProfile.class)
class McpNodeClientTest {
    private static final Duration RUN = Duration.ofSeconds(90);

    @TestHTTPResource("/mcp")
    URL mcp;

    private Map<String, String> env(String subject, String sql, String params) {
        Map<String, String> env = new java.util.HashMap<>();
        env.put("MCP_URL", mcp.toString());
        if (subject != null) {
            env.put("MCP_TOKEN", GatewayTestResource.token(subject, "analysts"));
        }
        if (sql != null) {
            env.put("MCP_SQL", sql);
        }
        if (params != null) {
            env.put("MCP_PARAMS", params);
        }
        return env;
    }

    private JsonNode single(String scenario, Map<String, String> env) throws InterruptedException {
        try (NodeMcpClient node = NodeMcpClient.run(scenario, env)) {
            List<JsonNode> out = node.finish(RUN);
            assertEquals(1, out.size(), out.toString());
            return out.get(0);
        }
    }

    @Test
    void theHostListsTheToolsWithSchemasAndDescriptions() throws Exception {
        JsonNode out = single("tools", env("node-tools", null, null));
        List<String> names = new ArrayList<>();
        out.get("tools").forEach(t -> {
            names.add(t.get("name").asText());
            assertTrue(t.get("description").asText().length() > 40, t.toString());
            assertEquals("object", t.at("/inputSchema/type").asText(), t.toString());
        });
        assertEquals(List.of("query", "list_tables", "describe_table", "explain", "approval_status"), names);
        JsonNode query = out.get("tools").get(0);
        assertEquals("sql", query.at("/inputSchema/required/0").asText());
        assertEquals("array", query.at("/inputSchema/properties/parameters/type").asText());
    }

    @Test
    void aMaskedQueryReturnsMaskedValuesWherePostgresHasTheRawOnes() throws Exception {
        String raw = PostgresFixture.shared().queryForString("SELECT ssn FROM customers WHERE id = 3");
        assertTrue(raw.matches("\\d{3}-\\d{2}-\\d{4}"), "PostgreSQL itself returns the raw SSN: " + raw);
        JsonNode out = single("query", env("node-masked", "SELECT id, ssn, email FROM customers WHERE id = $1", "[3]"));
        assertFalse(out.get("isError").asBoolean(), out.toString());
        JsonNode row = out.at("/result/rows/0");
        assertEquals(3, row.get(0).asInt());
        assertEquals("****", row.get(1).asText());
        assertTrue(row.get(2).asText().matches(".\\*+@.+"), row.toString());
        assertFalse(out.toString().contains(raw));
    }

    @Test
    void aBlockedStatementComesBackAsAToolErrorNamingTheRule() throws Exception {
        JsonNode out = single("query", env("node-blocked", "UPDATE customers SET name = 'x' WHERE id = 1", null));
        assertTrue(out.get("isError").asBoolean(), out.toString());
        assertEquals("42501", out.at("/result/error/sqlstate").asText());
        assertTrue(out.at("/result/error/detail").asText().contains("agents-read-only"), out.toString());
        assertFalse(PostgresFixture.shared().queryForString("SELECT name FROM customers WHERE id = 1").equals("x"));
    }

    @Test
    void aHeldStatementIsApprovedByAPersonAndItsRowsReachTheHost() throws Exception {
        String subject = "node-held";
        // The planner estimates all 1,000 orders: over the rule's 500.
        try (NodeMcpClient node = NodeMcpClient.run("held", env(subject, "SELECT id FROM orders WHERE id > 0 ORDER BY id",
                null))) {
            // The host learns the approval id while the call still waits.
            String id = null;
            Pattern apr = Pattern.compile("apr-[a-z0-9]+");
            while (id == null) {
                JsonNode event = node.next(Duration.ofSeconds(30));
                String text = event.toString();
                Matcher m = apr.matcher(text);
                if (m.find()) {
                    id = m.group();
                }
            }
            assertEquals("PENDING", McpEndpointTest.approval(id).get("status"));
            assertEquals(subject, McpEndpointTest.approval(id).get("subject"));
            McpEndpointTest.decide("ann", id, "approve", "looked fine");
            List<JsonNode> rest = node.finish(RUN);
            JsonNode done = rest.get(rest.size() - 1);
            assertEquals("done", done.get("event").asText(), rest.toString());
            assertFalse(done.get("isError").asBoolean(), done.toString());
            assertEquals(id, done.at("/result/approval_id").asText());
            assertEquals(McpProfile.ROW_CAP, done.at("/result/rows").size());
            assertEquals(1, done.at("/result/rows/0/0").asInt());
            assertEquals("APPROVED", McpEndpointTest.approval(id).get("status"));
        }
    }

    @Test
    void withoutATokenTheHostIsRefusedAndFindsTheIssuerToAskForOne() throws Exception {
        JsonNode out = single("no-token", env(null, null, null));
        assertEquals(401, out.get("status").asInt(), out.toString());
        assertEquals(401, out.at("/connectError/code").asInt(), "the SDK's connect fails with the 401: " + out);
        assertTrue(out.get("wwwAuthenticate").asText().startsWith("Bearer"), out.toString());
        assertTrue(out.get("resourceMetadataUrl").asText().endsWith("/.well-known/oauth-protected-resource"),
                out.toString());
        assertEquals(GatewayTestResource.issuer().issuer(), out.at("/metadata/authorization_servers/0").asText());
    }
}
