package dev.pgwarden.testing;

import java.net.URL;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.spec.McpSchema;

/**
 * An agent as the MCP Java SDK's client makes it: streamable HTTP to the gateway's {@code /mcp},
 * the token as a bearer header, its own client name and version (which the audit trail records).
 */
public final class McpJavaAgent implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final McpSyncClient client;
    /** Progress notifications received, in order. */
    public final List<McpSchema.ProgressNotification> progress = new CopyOnWriteArrayList<>();

    private McpJavaAgent(URL mcp, Supplier<String> token, String name, String version) {
        String base = mcp.getProtocol() + "://" + mcp.getHost() + ":" + mcp.getPort();
        HttpClientStreamableHttpTransport.Builder transport = HttpClientStreamableHttpTransport.builder(base)
                .endpoint(mcp.getPath());
        if (token != null) {
            transport.httpRequestCustomizer((request, method, uri, body, ctx) ->
                    request.header("Authorization", "Bearer " + token.get()));
        }
        this.client = McpClient.sync(transport.build())
                .clientInfo(new McpSchema.Implementation(name, version))
                .requestTimeout(Duration.ofSeconds(60))
                .progressConsumer(progress::add)
                .build();
    }

    /** Connected and initialized. */
    public static McpJavaAgent connect(URL mcp, String token, String name, String version) {
        return connect(mcp, token == null ? null : () -> token, name, version);
    }

    /** Connected and initialized; each request carries the token {@code token} gives then (a host refreshing it). */
    public static McpJavaAgent connect(URL mcp, Supplier<String> token, String name, String version) {
        McpJavaAgent agent = new McpJavaAgent(mcp, token, name, version);
        agent.client.initialize();
        return agent;
    }

    /** Not yet initialized, for tests of refusals. */
    public static McpJavaAgent unconnected(URL mcp, String token) {
        return new McpJavaAgent(mcp, token == null ? null : () -> token, "pgwarden-java-agent", "0");
    }

    public McpSyncClient client() {
        return client;
    }

    /** Calls a tool with a progress token, so waiting calls report progress. */
    public McpSchema.CallToolResult call(String tool, Map<String, Object> arguments) {
        return client.callTool(new McpSchema.CallToolRequest(tool, arguments,
                Map.of("progressToken", tool + "-" + System.nanoTime())));
    }

    /** The tool result's text as JSON. */
    public static JsonNode json(McpSchema.CallToolResult result) {
        String text = ((McpSchema.TextContent) result.content().get(0)).text();
        try {
            return JSON.readTree(text);
        } catch (java.io.IOException e) {
            throw new AssertionError("tool result is not JSON: " + text, e);
        }
    }

    @Override
    public void close() {
        client.closeGracefully();
    }
}
