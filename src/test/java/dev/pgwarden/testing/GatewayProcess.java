package dev.pgwarden.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import dev.pgwarden.identity.dev.DevIssuer;

/**
 * A gateway replica as its own process, from the packaged application ({@code target/quarkus-app},
 * built by {@code mvn verify} before the integration tests run): configured only through
 * environment variables, as a container would be.
 */
public final class GatewayProcess implements AutoCloseable {
    public static final Path RUNNER = Path.of("target/quarkus-app/quarkus-run.jar");

    private final String name;
    private final Process process;
    private final int pgPort;
    private final int httpPort;
    private final Path log;

    private GatewayProcess(String name, Process process, int pgPort, int httpPort, Path log) {
        this.name = name;
        this.process = process;
        this.pgPort = pgPort;
        this.httpPort = httpPort;
        this.log = log;
    }

    /**
     * The environment of a replica serving the shared cluster's database with {@code store} as its
     * store, tokens from {@code issuer} and the policy in {@code policy}; tests add what they vary.
     */
    public static Map<String, String> environment(PostgresFixture upstream, String store, DevIssuer issuer,
            Path policy) {
        Map<String, String> env = new HashMap<>();
        env.put("PGWARDEN_UPSTREAM_HOST", upstream.host());
        env.put("PGWARDEN_UPSTREAM_PORT", Integer.toString(upstream.port()));
        env.put("PGWARDEN_UPSTREAM_DATABASE", PostgresFixture.DATABASE);
        env.put("PGWARDEN_UPSTREAM_USER", PostgresFixture.GATEWAY_USER);
        env.put("PGWARDEN_UPSTREAM_PASSWORD", PostgresFixture.GATEWAY_PASSWORD);
        env.put("PGWARDEN_POLICY_FILE", policy.toString());
        env.put("QUARKUS_OIDC_AUTH_SERVER_URL", issuer.issuer());
        env.put("QUARKUS_OIDC_TOKEN_AUDIENCE", issuer.audience());
        env.put("QUARKUS_DATASOURCE_JDBC_URL", store);
        env.put("QUARKUS_DATASOURCE_USERNAME", PostgresFixture.STORE_USER);
        env.put("QUARKUS_DATASOURCE_PASSWORD", PostgresFixture.STORE_PASSWORD);
        return env;
    }

    /** Starts a replica with {@code env} (listen and HTTP ports are chosen here) and waits until it is ready. */
    public static GatewayProcess start(String name, Map<String, String> env) {
        if (!Files.isRegularFile(RUNNER)) {
            throw new IllegalStateException(RUNNER + " is missing: integration tests run after `mvn package`");
        }
        try {
            int pgPort = freePort();
            int httpPort = freePort();
            Path log = Path.of("target", "gateway-" + name + ".log");
            List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx256m", "-jar", RUNNER.toString()));
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
            Map<String, String> e = pb.environment();
            e.keySet().removeIf(k -> k.startsWith("PGWARDEN_") || k.startsWith("QUARKUS_"));
            e.putAll(new TreeMap<>(env));
            e.put("PGWARDEN_LISTEN_HOST", "127.0.0.1");
            e.put("PGWARDEN_LISTEN_PORT", Integer.toString(pgPort));
            e.put("QUARKUS_HTTP_PORT", Integer.toString(httpPort));
            GatewayProcess g = new GatewayProcess(name, pb.start(), pgPort, httpPort, log);
            g.awaitReady(Duration.ofSeconds(60));
            return g;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void awaitReady(Duration timeout) {
        HttpClient http = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("gateway " + name + " exited with " + process.exitValue() + "\n" + logTail());
            }
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(httpUri("/q/health/ready")).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            sleep(100);
        }
        close();
        throw new IllegalStateException("gateway " + name + " not ready after " + timeout + "\n" + logTail());
    }

    /** The process id, e.g. to read {@code /proc/<pid>/status}. */
    public long pid() {
        return process.pid();
    }

    /** The HTTP status of {@code /q/health/ready} now (200 UP, 503 DOWN), or -1 when nothing answers. */
    public int readiness() {
        try {
            return HttpClient.newHttpClient().send(HttpRequest.newBuilder(httpUri("/q/health/ready"))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    public int pgPort() {
        return pgPort;
    }

    public URI httpUri(String path) {
        return URI.create("http://127.0.0.1:" + httpPort + path);
    }

    public String jdbcUrl() {
        return "jdbc:postgresql://127.0.0.1:" + pgPort + "/" + PostgresFixture.DATABASE + "?sslmode=disable";
    }

    public String logTail() {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    /** The whole log so far. */
    public String log() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    /** SIGKILL, as a crash or the OOM killer would: no shutdown hook runs. Waits until the process is gone. */
    public void kill() {
        try {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * SIGTERM, then waits up to {@code max} for the process to exit; kills it if it lingers.
     *
     * @return how long it took to exit, or null when it had to be killed
     */
    public Duration terminate(Duration max) {
        long started = System.nanoTime();
        process.destroy();
        try {
            if (process.waitFor(max.toMillis(), TimeUnit.MILLISECONDS)) {
                return Duration.ofNanos(System.nanoTime() - started);
            }
            process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return null;
    }

    /** SIGTERM (graceful shutdown), then kill if it lingers. */
    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
