package dev.pgwarden.bench;

import java.net.URL;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import com.fasterxml.jackson.databind.JsonNode;

import dev.pgwarden.identity.dev.DevIssuer;
import dev.pgwarden.testing.GatewayProcess;
import dev.pgwarden.testing.Jdbc;
import dev.pgwarden.testing.McpJavaAgent;
import dev.pgwarden.testing.PolicyFiles;
import dev.pgwarden.testing.PostgresFixture;

/**
 * What the MCP endpoint costs next to the wire listener of the same gateway process: latency of a
 * one-row query (p50/p99) and rows per second for a result capped at 10,000 rows, as the MCP Java
 * SDK's client and pgjdbc see them. The packaged gateway runs as its own process with the audit
 * trail on (its default), against a throwaway PostgreSQL cluster and the development issuer.
 * Run by {@code bench/mcp.sh}; prints a markdown table.
 */
public final class McpBench {
    static final String ONE_ROW = "SELECT id, name, email FROM customers WHERE id = $1";
    static final String ONE_ROW_JDBC = "SELECT id, name, email FROM customers WHERE id = ?";
    static final String MANY_ROWS = "SELECT g, md5(g::text) FROM generate_series(1, 20000) g";
    static final int CAP = 10_000;

    public static void main(String[] args) throws Exception {
        int calls = Integer.getInteger("bench.calls", 2000);
        int warmup = Integer.getInteger("bench.warmup", 500);
        int largeRuns = Integer.getInteger("bench.large-runs", 20);
        PostgresFixture pg = PostgresFixture.shared();
        DevIssuer issuer = DevIssuer.start("127.0.0.1", 0, "pgwarden");
        Path policy = PolicyFiles.temp("mcp-bench", """
                roles:
                  - group: analysts
                    role: analyst_ro
                default: allow
                """);
        Map<String, String> env = new HashMap<>();
        env.put("PGWARDEN_UPSTREAM_HOST", pg.host());
        env.put("PGWARDEN_UPSTREAM_PORT", Integer.toString(pg.port()));
        env.put("PGWARDEN_UPSTREAM_DATABASE", PostgresFixture.DATABASE);
        env.put("PGWARDEN_UPSTREAM_USER", PostgresFixture.GATEWAY_USER);
        env.put("PGWARDEN_UPSTREAM_PASSWORD", PostgresFixture.GATEWAY_PASSWORD);
        env.put("PGWARDEN_POLICY_FILE", policy.toString());
        env.put("PGWARDEN_MCP_ROW_CAP", Integer.toString(CAP));
        env.put("PGWARDEN_MCP_RESULT_MAX_BYTES", Integer.toString(64 << 20));
        env.put("QUARKUS_OIDC_AUTH_SERVER_URL", issuer.issuer());
        env.put("QUARKUS_OIDC_TOKEN_AUDIENCE", issuer.audience());
        env.put("QUARKUS_DATASOURCE_JDBC_URL", pg.createStore("pgwarden_store_mcp_bench"));
        env.put("QUARKUS_DATASOURCE_USERNAME", PostgresFixture.STORE_USER);
        env.put("QUARKUS_DATASOURCE_PASSWORD", PostgresFixture.STORE_PASSWORD);
        String token = issuer.token("bench-agent", List.of("analysts"), Duration.ofHours(2));
        try (GatewayProcess gw = GatewayProcess.start("mcp-bench", env)) {
            URL mcp = gw.httpUri("/mcp").toURL();
            Properties p = new Properties();
            p.setProperty("user", "bench-agent");
            p.setProperty("password", token);
            p.setProperty("prepareThreshold", "1");
            List<String> out = new ArrayList<>();
            out.add("| path | one-row query p50 | p99 | 10,000-row capped result | rows/s |");
            out.add("|---|---|---|---|---|");
            try (Connection c = Jdbc.connect(gw.jdbcUrl(), p);
                    McpJavaAgent agent = McpJavaAgent.connect(mcp, token, "pgwarden-bench", "1")) {
                List<Long> wire = new ArrayList<>();
                List<Long> tool = new ArrayList<>();
                try (PreparedStatement ps = c.prepareStatement(ONE_ROW_JDBC)) {
                    for (int i = 0; i < warmup + calls; i++) {
                        long t = System.nanoTime();
                        ps.setInt(1, 1 + i % PostgresFixture.CUSTOMER_COUNT);
                        try (ResultSet rs = ps.executeQuery()) {
                            rs.next();
                        }
                        if (i >= warmup) {
                            wire.add(System.nanoTime() - t);
                        }
                        t = System.nanoTime();
                        JsonNode r = McpJavaAgent.json(agent.client().callTool(
                                new io.modelcontextprotocol.spec.McpSchema.CallToolRequest("query",
                                        Map.of("sql", ONE_ROW, "parameters", List.of(1 + i % PostgresFixture.CUSTOMER_COUNT)))));
                        if (i >= warmup) {
                            tool.add(System.nanoTime() - t);
                        }
                        check(r.path("row_count").asInt() == 1, r);
                    }
                }
                List<Long> wireLarge = new ArrayList<>();
                List<Long> toolLarge = new ArrayList<>();
                try (Statement st = c.createStatement()) {
                    st.setMaxRows(CAP);
                    for (int i = 0; i < largeRuns + 2; i++) {
                        long t = System.nanoTime();
                        int n = 0;
                        try (ResultSet rs = st.executeQuery(MANY_ROWS)) {
                            while (rs.next()) {
                                rs.getString(2);
                                n++;
                            }
                        }
                        if (i >= 2) {
                            wireLarge.add(System.nanoTime() - t);
                        }
                        check(n == CAP, n);
                        t = System.nanoTime();
                        JsonNode r = McpJavaAgent.json(agent.client().callTool(
                                new io.modelcontextprotocol.spec.McpSchema.CallToolRequest("query", Map.of("sql", MANY_ROWS))));
                        if (i >= 2) {
                            toolLarge.add(System.nanoTime() - t);
                        }
                        check(r.path("row_count").asInt() == CAP && r.path("truncated").asBoolean(), r.path("row_count"));
                    }
                }
                out.add(row("wire listener (pgjdbc, prepared)", wire, wireLarge));
                out.add(row("MCP `query` tool (MCP Java SDK client)", tool, toolLarge));
            }
            System.out.println();
            System.out.printf("%d one-row calls per path after %d warm-up calls; %d runs of the capped result (median)%n%n",
                    calls, warmup, largeRuns);
            out.forEach(System.out::println);
        } finally {
            issuer.close();
        }
    }

    private static String row(String name, List<Long> latencies, List<Long> large) {
        double median = percentile(large, 50) / 1e6;
        return String.format("| %s | %.2f ms | %.2f ms | %.1f ms | %,.0f |", name, percentile(latencies, 50) / 1e6,
                percentile(latencies, 99) / 1e6, median, CAP / (median / 1000));
    }

    private static double percentile(List<Long> values, int p) {
        List<Long> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        int i = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(i, sorted.size() - 1)));
    }

    private static void check(boolean ok, Object what) {
        if (!ok) {
            throw new IllegalStateException("unexpected result: " + what);
        }
    }
}
