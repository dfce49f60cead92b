package dev.pgwarden.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * One throwaway PostgreSQL cluster on local disk: initdb, configure, start, stop, delete.
 * Knows nothing about the test schema; see {@link PostgresFixture} for that.
 *
 * <p>Layout: {@code <root>/data} (PGDATA, also the Unix socket directory) and
 * {@code <root>/postgres.log} outside PGDATA so it can be read after a failed start.
 */
final class LocalPostgresCluster {

    static final String HOST = "127.0.0.1";
    static final String SUPERUSER = "postgres";
    static final String DIR_PREFIX = "pgwarden-pg";

    private static final int START_ATTEMPTS = 3;
    private static final Duration TOOL_TIMEOUT = Duration.ofSeconds(90);
    private static final int LOG_TAIL_LINES = 60;

    private final PgBinaries bin;
    private final ClusterOwner owner;
    private final Path root;
    private final Path dataDir;
    private final Path logFile;
    private volatile int port;
    private volatile boolean stopped;
    /** Settings a test asked for on top of (or instead of) the defaults, e.g. max_connections. */
    private final java.util.Map<String, String> extraSettings;

    private LocalPostgresCluster(PgBinaries bin, ClusterOwner owner, Path root, int port) {
        this(bin, owner, root, port, java.util.Map.of());
    }

    private LocalPostgresCluster(PgBinaries bin, ClusterOwner owner, Path root, int port,
            java.util.Map<String, String> extraSettings) {
        this.extraSettings = extraSettings;
        this.bin = bin;
        this.owner = owner;
        this.root = root;
        this.dataDir = root.resolve("data");
        this.logFile = root.resolve("postgres.log");
        this.port = port;
    }

    /** Creates, configures and starts a new cluster; on failure everything is deleted again. */
    static LocalPostgresCluster start(String superuserPassword) {
        return start(superuserPassword, java.util.Map.of());
    }

    /** Like {@link #start(String)}, with {@code settings} (name → value as written in postgresql.conf) applied. */
    static LocalPostgresCluster start(String superuserPassword, java.util.Map<String, String> settings) {
        ClusterOwner owner = ClusterOwner.detect();
        StaleClusters.sweep(owner.tempBase(), DIR_PREFIX);
        LocalPostgresCluster cluster = new LocalPostgresCluster(PgBinaries.locate(), owner,
                owner.createTempDirectory(DIR_PREFIX), 0, java.util.Map.copyOf(settings));
        try {
            StaleClusters.claim(cluster.root);
            cluster.initdb(superuserPassword);
            cluster.startOnFreePort();
            return cluster;
        } catch (RuntimeException e) {
            cluster.stop();
            throw e;
        }
    }

    /** Handle on a cluster another class loader started (see {@link PostgresFixture#shared()}). */
    static LocalPostgresCluster attach(Path root, int port) {
        return new LocalPostgresCluster(PgBinaries.locate(), ClusterOwner.detect(), root, port);
    }

    int port() {
        return port;
    }

    Path root() {
        return root;
    }

    Path dataDir() {
        return dataDir;
    }

    Path logFile() {
        return logFile;
    }

    boolean isRunning() {
        // The postmaster removes its pid file on every kind of shutdown, and pg_ctl stop waits for that.
        return !stopped && Files.exists(dataDir.resolve("postmaster.pid"));
    }

    /** Immediate shutdown (no checkpoint: the data is thrown away anyway), then delete everything. */
    synchronized void stop() {
        if (stopped) {
            return;
        }
        stopped = true;
        if (Files.exists(dataDir.resolve("postmaster.pid"))) {
            ProcessRunner.of(owner.command(List.of(bin.tool("pg_ctl"), "-D", dataDir.toString(), "-m", "immediate", "-w", "stop")))
                    .directory(root)
                    .timeout(Duration.ofSeconds(30))
                    .run();
        }
        deleteRecursively(root);
    }

    /** Stops the server cleanly (it flushes its WAL) and keeps its files, for {@link #restart()}. */
    synchronized void stopServer() {
        if (stopped) {
            throw new IllegalStateException("cluster already deleted");
        }
        toolAsOwner(List.of(bin.tool("pg_ctl"), "-D", dataDir.toString(), "-m", "fast", "-w", "-t", "60", "stop"))
                .requireSuccessOr("pg_ctl stop failed");
    }

    /** Starts a server stopped by {@link #stopServer()} again, on the same port. */
    synchronized void restart() {
        toolAsOwner(List.of(bin.tool("pg_ctl"), "-D", dataDir.toString(), "-w", "-t", "60", "-l", logFile.toString(),
                "start")).requireSuccessOr("PostgreSQL did not start again on " + HOST + ":" + port);
    }

    /**
     * Starts a server stopped by {@link #stopServer()} again on another free port, as a failed-over
     * store would come back at another address.
     */
    synchronized void restartOnNewPort() {
        if (stopped) {
            throw new IllegalStateException("cluster already deleted");
        }
        startOnFreePort();
    }

    String logTail() {
        try {
            return Files.exists(logFile)
                    ? ProcessResult.tail(Files.readString(logFile, StandardCharsets.UTF_8), LOG_TAIL_LINES)
                    : "(no server log at " + logFile + ")";
        } catch (IOException e) {
            return "(cannot read " + logFile + ": " + e.getMessage() + ")";
        }
    }

    private void initdb(String superuserPassword) {
        Path pwfile = root.resolve("superuser.pw");
        writeOwned(pwfile, superuserPassword + "\n");
        try {
            toolAsOwner(List.of(bin.tool("initdb"), "-D", dataDir.toString(),
                    "-U", SUPERUSER, "--pwfile=" + pwfile,
                    "--auth-local=trust", "--auth-host=scram-sha-256",
                    "-E", "UTF8", "--locale=C",
                    // No fsync of the fresh cluster: it is thrown away with the JVM.
                    "--no-sync", "--no-instructions"))
                    .requireSuccessOr("initdb failed");
        } finally {
            deleteQuietly(pwfile);
        }
        writeOwned(dataDir.resolve("pg_hba.conf"), String.join("\n",
                "# Written by pgwarden's PostgresFixture. First match wins.",
                "local all all                      trust",
                "host  all pgwarden_md5 127.0.0.1/32 md5",
                "host  all all          127.0.0.1/32 scram-sha-256",
                ""));
        appendOwned(dataDir.resolve("postgresql.conf"), "\ninclude 'pgwarden.conf'\n");
    }

    /** Settings live in their own file so a port retry can rewrite them wholesale. */
    private void writeSettings() {
        writeOwned(dataDir.resolve("pgwarden.conf"), String.join("\n",
                "# Written by pgwarden's PostgresFixture: fast, disposable, loopback only.",
                "listen_addresses = '" + HOST + "'",
                "port = " + port,
                "unix_socket_directories = '" + dataDir.toString().replace("'", "''") + "'",
                "max_connections = 200",
                "shared_buffers = 128MB",
                "fsync = off",
                "synchronous_commit = off",
                "full_page_writes = off",
                "timezone = 'UTC'",
                "jit = off",
                ""));
        if (!extraSettings.isEmpty()) {
            StringBuilder extra = new StringBuilder("# Asked for by the test (later lines win).\n");
            extraSettings.forEach((k, v) -> extra.append(k).append(" = ").append(v).append('\n'));
            appendOwned(dataDir.resolve("pgwarden.conf"), extra.toString());
        }
    }

    private void startOnFreePort() {
        for (int attempt = 1; ; attempt++) {
            port = freePort();
            writeSettings();
            Outcome start = toolAsOwner(List.of(bin.tool("pg_ctl"), "-D", dataDir.toString(),
                    "-w", "-t", "60", "-l", logFile.toString(), "start"));
            if (start.result.succeeded()) {
                return;
            }
            // Another process may have grabbed the port between probing and binding it.
            String log = logTail();
            boolean portTaken = log.contains("Address already in use") || log.contains("could not bind");
            if (!portTaken || attempt >= START_ATTEMPTS) {
                start.requireSuccessOr("PostgreSQL did not start on " + HOST + ":" + port
                        + " (attempt " + attempt + ")");
            }
            truncateLog();
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot find a free TCP port on " + HOST, e);
        }
    }

    private Outcome toolAsOwner(List<String> command) {
        // cwd = our root: as root, runuser keeps the JVM's cwd, which postgres may not be able to enter.
        ProcessResult result = ProcessRunner.of(owner.command(command))
                .directory(root)
                .unsetEnvWithPrefix("PG")
                .env("LC_ALL", "C")
                .timeout(TOOL_TIMEOUT)
                .run();
        return new Outcome(result);
    }

    /** Result of a server tool, turned into an exception that carries the server log tail. */
    private final class Outcome {
        final ProcessResult result;

        Outcome(ProcessResult result) {
            this.result = result;
        }

        void requireSuccessOr(String what) {
            if (!result.succeeded()) {
                String log = Files.exists(logFile)
                        ? "\n  --- server log " + logFile + " (tail) ---\n" + logTail()
                        : "";
                throw new IllegalStateException(what + "\n" + result.describe() + log);
            }
        }
    }

    private void writeOwned(Path file, String content) {
        try {
            Files.writeString(file, content, StandardCharsets.UTF_8);
            owner.handOver(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    private void appendOwned(Path file, String content) {
        try {
            Files.writeString(file, content, StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to " + file, e);
        }
    }

    private void truncateLog() {
        try {
            if (Files.exists(logFile)) {
                Files.writeString(logFile, "");
            }
        } catch (IOException ignored) {
            // Only cosmetic: a later failure message would show an older attempt's lines too.
        }
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException ignored) {
            // Best effort; the whole root is deleted on stop anyway.
        }
    }

    private static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        List<Path> paths = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(paths::add);
        } catch (IOException | UncheckedIOException e) {
            System.err.println("pgwarden fixture: cannot list " + dir + " for cleanup: " + e.getMessage());
            return;
        }
        for (Path path : paths) {
            deleteQuietly(path);
        }
        if (Files.exists(dir)) {
            System.err.println("pgwarden fixture: could not fully delete " + dir);
        }
    }
}
