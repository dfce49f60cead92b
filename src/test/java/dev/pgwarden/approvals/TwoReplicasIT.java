package dev.pgwarden.approvals;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.pgwarden.identity.dev.DevIssuer;
import dev.pgwarden.testing.GatewayProcess;
import dev.pgwarden.testing.Jdbc;
import dev.pgwarden.testing.PostgresFixture;

/**
 * Two gateway processes behind one imaginary load balancer, sharing one store: a session held by
 * one replica is resumed when the approval is clicked on the other (the store's NOTIFY carries it).
 */
class TwoReplicasIT {
    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newHttpClient();

    static DevIssuer issuer;
    static GatewayProcess a;
    static GatewayProcess b;

    @BeforeAll
    static void start() throws IOException {
        PostgresFixture pg = PostgresFixture.shared();
        String store = pg.createStore("pgwarden_store_replicas");
        issuer = DevIssuer.start("127.0.0.1", 0, "pgwarden");
        Path policy = Files.createTempFile("pgwarden-replicas-policy", ".yaml");
        Files.writeString(policy, ApprovalsProfile.POLICY);
        Map<String, String> env = new HashMap<>();
        env.put("PGWARDEN_UPSTREAM_HOST", pg.host());
        env.put("PGWARDEN_UPSTREAM_PORT", Integer.toString(pg.port()));
        env.put("PGWARDEN_UPSTREAM_DATABASE", PostgresFixture.DATABASE);
        env.put("PGWARDEN_UPSTREAM_USER", PostgresFixture.GATEWAY_USER);
        env.put("PGWARDEN_UPSTREAM_PASSWORD", PostgresFixture.GATEWAY_PASSWORD);
        env.put("PGWARDEN_POLICY_FILE", policy.toString());
        env.put("PGWARDEN_APPROVALS_TIMEOUT", "PT60S");
        env.put("QUARKUS_OIDC_AUTH_SERVER_URL", issuer.issuer());
        env.put("QUARKUS_OIDC_TOKEN_AUDIENCE", issuer.audience());
        env.put("QUARKUS_DATASOURCE_JDBC_URL", store);
        env.put("QUARKUS_DATASOURCE_USERNAME", PostgresFixture.STORE_USER);
        env.put("QUARKUS_DATASOURCE_PASSWORD", PostgresFixture.STORE_PASSWORD);
        a = GatewayProcess.start("replica-a", env);
        b = GatewayProcess.start("replica-b", env);
    }

    @AfterAll
    static void stop() {
        if (a != null) {
            a.close();
        }
        if (b != null) {
            b.close();
        }
        if (issuer != null) {
            issuer.close();
        }
    }

    @Test
    void approvalOnOneReplicaResumesTheSessionHeldByTheOther() throws Exception {
        heldOnOneDecidedOnTheOther(a, b, "agent-on-a");
        heldOnOneDecidedOnTheOther(b, a, "agent-on-b");
    }

    private void heldOnOneDecidedOnTheOther(GatewayProcess holder, GatewayProcess decider, String agent)
            throws Exception {
        try (Connection c = connect(holder, agent); Statement st = c.createStatement()) {
            CompletableFuture<List<String>> rows = CompletableFuture.supplyAsync(() -> {
                try (ResultSet rs = st.executeQuery("SELECT id FROM orders ORDER BY id")) {
                    List<String> out = new ArrayList<>();
                    while (rs.next()) {
                        out.add(rs.getString(1));
                    }
                    return out;
                } catch (SQLException e) {
                    throw new CompletionException(e);
                }
            });
            String id = awaitPending(decider, agent);
            assertFalse(rows.isDone());
            long clicked = System.nanoTime();
            JsonNode answer = post(decider, "/api/approvals/" + id + "/approve", "{\"reason\":\"replica test\"}");
            assertEquals("DECIDED", answer.path("result").asText(), answer.toString());
            List<String> got = rows.get(30, TimeUnit.SECONDS);
            System.out.printf("approvals across replicas: approve on one to rows on the other: %d ms%n",
                    (System.nanoTime() - clicked) / 1_000_000);
            assertEquals(PostgresFixture.ORDER_COUNT, got.size());
            JsonNode after = get(holder, "/api/approvals/" + id);
            assertEquals("APPROVED", after.path("status").asText());
            assertEquals("ann", after.path("decidedBy").asText());
        }
    }

    static Connection connect(GatewayProcess g, String subject) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", subject);
        p.setProperty("password", issuer.token(subject, List.of("analysts"), Duration.ofMinutes(10)));
        return Jdbc.connect(g.jdbcUrl(), p);
    }

    static String approverToken() {
        return issuer.token("ann", List.of("pgwarden-approvers"), Duration.ofMinutes(10));
    }

    static String awaitPending(GatewayProcess g, String subject) throws Exception {
        long deadline = System.currentTimeMillis() + 20_000;
        while (System.currentTimeMillis() < deadline) {
            for (JsonNode r : get(g, "/api/approvals?status=PENDING")) {
                if (subject.equals(r.path("subject").asText())) {
                    return r.path("id").asText();
                }
            }
            Thread.sleep(25);
        }
        throw new AssertionError("no pending request for " + subject + " seen on the other replica");
    }

    static JsonNode get(GatewayProcess g, String path) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(g.httpUri(path))
                .header("Authorization", "Bearer " + approverToken()).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        return JSON.readTree(r.body());
    }

    static JsonNode post(GatewayProcess g, String path, String body) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(g.httpUri(path))
                .header("Authorization", "Bearer " + approverToken()).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertTrue(r.statusCode() == 200, r.statusCode() + " " + r.body());
        return JSON.readTree(r.body());
    }
}
