package dev.pgwarden.testing;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The official MCP TypeScript SDK's client, run by node: {@code src/test/mcp-node/mcp-client.mjs}
 * with the SDK installed from the npm registry by {@code npm ci} (the committed package-lock.json)
 * into {@code target/mcp-node} once per build. Without node or npm the test fails when CI is set,
 * and is skipped otherwise.
 */
public final class NodeMcpClient implements AutoCloseable {
    private static final Path SOURCE = Path.of("src/test/mcp-node");
    private static final Path WORK = Path.of("target/mcp-node");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static boolean installed;

    private final Process process;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final StringBuilder stderr = new StringBuilder();
    private final Thread stdoutPump;

    private NodeMcpClient(Process process) {
        this.process = process;
        this.stdoutPump = pump(process.getInputStream(), lines::add);
        pump(process.getErrorStream(), line -> {
            synchronized (stderr) {
                stderr.append(line).append('\n');
            }
        });
    }

    /** Starts one scenario of the script; {@code env} carries MCP_URL, MCP_TOKEN, MCP_SQL, MCP_PARAMS. */
    public static NodeMcpClient run(String scenario, Map<String, String> env) {
        install();
        try {
            ProcessBuilder pb = new ProcessBuilder("node", "mcp-client.mjs", scenario).directory(WORK.toFile());
            pb.environment().putAll(env);
            return new NodeMcpClient(pb.start());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The next line the script printed, as JSON. */
    public JsonNode next(Duration timeout) throws InterruptedException {
        String line = lines.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (line == null) {
            throw new AssertionError("node printed nothing within " + timeout + (process.isAlive() ? "" : " and exited "
                    + process.exitValue()) + "; stderr:\n" + stderr());
        }
        try {
            return JSON.readTree(line);
        } catch (IOException e) {
            throw new AssertionError("node printed a line that is not JSON: " + line + "\nstderr:\n" + stderr(), e);
        }
    }

    /** Waits for the script to end successfully; returns everything it printed that was not read yet. */
    public List<JsonNode> finish(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("node did not finish within " + timeout + "; stderr:\n" + stderr());
        }
        stdoutPump.join(5_000);
        if (process.exitValue() != 0) {
            throw new AssertionError("node exited " + process.exitValue() + "; stderr:\n" + stderr());
        }
        List<JsonNode> rest = new ArrayList<>();
        String line;
        while ((line = lines.poll()) != null) {
            try {
                rest.add(JSON.readTree(line));
            } catch (IOException e) {
                throw new AssertionError("not JSON: " + line, e);
            }
        }
        return rest;
    }

    private String stderr() {
        synchronized (stderr) {
            return stderr.toString();
        }
    }

    @Override
    public void close() {
        process.destroyForcibly();
    }

    private static synchronized void install() {
        if (installed) {
            return;
        }
        requireTool("node");
        requireTool("npm");
        try {
            Files.createDirectories(WORK);
            for (String f : List.of("package.json", "package-lock.json", "mcp-client.mjs")) {
                Files.copy(SOURCE.resolve(f), WORK.resolve(f), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (!Files.isDirectory(WORK.resolve("node_modules/@modelcontextprotocol/sdk"))) {
            ProcessResult r = ProcessRunner.of("npm", "ci", "--no-audit", "--no-fund", "--loglevel=error")
                    .directory(WORK).timeout(Duration.ofMinutes(5)).run();
            if (r.exitCode() != 0) {
                throw new AssertionError("npm ci failed in " + WORK + ": " + r.describe());
            }
        }
        installed = true;
    }

    private static void requireTool(String tool) {
        ProcessResult r;
        try {
            r = ProcessRunner.of(tool, "--version").timeout(Duration.ofSeconds(30)).run();
        } catch (RuntimeException e) {
            r = null;
        }
        if (r == null || r.exitCode() != 0) {
            String why = tool + " is needed for the MCP TypeScript SDK client tests (Debian: apt-get install -y nodejs npm)";
            if (System.getenv("CI") != null) {
                fail(why);
            }
            Assumptions.assumeTrue(false, why);
        }
    }

    private static Thread pump(java.io.InputStream in, java.util.function.Consumer<String> sink) {
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    sink.accept(line);
                }
            } catch (IOException e) {
                // the process went away
            }
        }, "node-mcp-output");
        t.setDaemon(true);
        t.start();
        return t;
    }
}
