package dev.pgwarden.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.function.IntPredicate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.pgwarden.identity.dev.DevIssuer;
import dev.pgwarden.testing.GatewayProcess;
import dev.pgwarden.testing.Jdbc;

/** What the fault tests do to a packaged gateway: log in as an agent, use the approvals API, read /proc. */
final class FaultClients {
    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    private final GatewayProcess gateway;
    private final DevIssuer issuer;

    FaultClients(GatewayProcess gateway, DevIssuer issuer) {
        this.gateway = gateway;
        this.issuer = issuer;
    }

    String agentToken(String subject) {
        return issuer.token(subject, List.of("analysts"), Duration.ofMinutes(10));
    }

    /** pgjdbc through the gateway as an analyst; socketTimeout guards against a hang. */
    Connection connect(String subject) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", subject);
        p.setProperty("password", agentToken(subject));
        p.setProperty("connectTimeout", "10");
        p.setProperty("socketTimeout", "90");
        return Jdbc.connect(gateway.jdbcUrl(), p);
    }

    String approverToken() {
        return issuer.token("ann", List.of("pgwarden-approvers"), Duration.ofMinutes(10));
    }

    HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(gateway.httpUri(path)).timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + approverToken()).build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> post(String path, String body) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(gateway.httpUri(path)).timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + approverToken()).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The pending request of {@code subject}, waiting up to {@code timeout} for it to appear. */
    JsonNode awaitPending(String subject, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            HttpResponse<String> r = get("/api/approvals?status=PENDING");
            if (r.statusCode() == 200) {
                for (JsonNode a : JSON.readTree(r.body())) {
                    if (subject.equals(a.path("subject").asText())) {
                        return a;
                    }
                }
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no pending approval of " + subject + " within " + timeout);
    }

    JsonNode approve(String id) throws Exception {
        HttpResponse<String> r = post("/api/approvals/" + id + "/approve", "{\"reason\":\"fault test\"}");
        assertEquals(200, r.statusCode(), r.body());
        return JSON.readTree(r.body());
    }

    JsonNode approval(String id) throws Exception {
        HttpResponse<String> r = get("/api/approvals/" + id);
        assertEquals(200, r.statusCode(), r.body());
        return JSON.readTree(r.body());
    }

    /** Polls readiness until its status satisfies {@code wanted}; returns how long that took. */
    Duration awaitReadiness(IntPredicate wanted, Duration timeout) throws InterruptedException {
        long started = System.nanoTime();
        long deadline = started + timeout.toNanos();
        int last = -2;
        while (System.nanoTime() < deadline) {
            last = gateway.readiness();
            if (wanted.test(last)) {
                return Duration.ofNanos(System.nanoTime() - started);
            }
            Thread.sleep(100);
        }
        throw new AssertionError("readiness still " + last + " after " + timeout + "\n" + gateway.logTail());
    }

    /** A field of {@code /proc/<pid>/status} such as VmRSS ("123456 kB") or Threads. */
    static String procStatus(long pid, String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith(field + ":")) {
                    return line.substring(field.length() + 1).trim();
                }
            }
            return "?";
        } catch (IOException e) {
            return "? (" + e.getMessage() + ")";
        }
    }

    /** The soft limit on open files of a process, from {@code /proc/<pid>/limits}. */
    static String openFilesLimit(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "limits"))) {
                if (line.startsWith("Max open files")) {
                    return line.substring("Max open files".length()).trim().split("\\s+")[0];
                }
            }
            return "?";
        } catch (IOException e) {
            return "?";
        }
    }
}
