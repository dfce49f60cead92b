package dev.pgwarden.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs an external command to completion: extra environment, optional stdin, hard timeout.
 *
 * <p>stdin, stdout and stderr are each pumped by their own thread, because a child that fills
 * one pipe while we block on another deadlocks both sides. On timeout the whole process tree is
 * killed (psql/pgbench/runuser may have children of their own).
 */
public final class ProcessRunner {

    private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);
    /** How long to wait for output pumps after the process is gone (a grandchild may hold the pipe). */
    private static final Duration DRAIN_GRACE = Duration.ofSeconds(5);

    private final List<String> command;
    private final Map<String, String> env = new LinkedHashMap<>();
    private final List<String> unsetEnvPrefixes = new ArrayList<>();
    private String stdin;
    private Duration timeout = DEFAULT_TIMEOUT;
    private Path directory;

    private ProcessRunner(List<String> command) {
        if (command.isEmpty()) {
            throw new IllegalArgumentException("empty command");
        }
        this.command = List.copyOf(command);
    }

    public static ProcessRunner of(List<String> command) {
        return new ProcessRunner(command);
    }

    public static ProcessRunner of(String... command) {
        return new ProcessRunner(List.of(command));
    }

    /** Adds or overrides an environment variable of the child (values are never printed). */
    public ProcessRunner env(String name, String value) {
        env.put(name, value);
        return this;
    }

    public ProcessRunner env(Map<String, String> vars) {
        env.putAll(vars);
        return this;
    }

    /** Drops inherited variables with this prefix, e.g. "PG" so a developer's PGHOST cannot redirect a test. */
    public ProcessRunner unsetEnvWithPrefix(String prefix) {
        unsetEnvPrefixes.add(prefix);
        return this;
    }

    /** Text written (UTF-8) to the child's stdin, which is then closed. Without it stdin is closed at once. */
    public ProcessRunner stdin(String text) {
        this.stdin = text;
        return this;
    }

    public ProcessRunner timeout(Duration timeout) {
        this.timeout = timeout;
        return this;
    }

    public ProcessRunner directory(Path directory) {
        this.directory = directory;
        return this;
    }

    public ProcessResult run() {
        ProcessBuilder builder = new ProcessBuilder(command);
        if (directory != null) {
            builder.directory(directory.toFile());
        }
        Map<String, String> childEnv = builder.environment();
        for (String prefix : unsetEnvPrefixes) {
            childEnv.keySet().removeIf(name -> name.startsWith(prefix));
        }
        childEnv.putAll(env);

        long started = System.nanoTime();
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + command.get(0) + ": " + e.getMessage(), e);
        }
        Pump out = Pump.start(process.getInputStream(), command.get(0) + "-stdout");
        Pump err = Pump.start(process.getErrorStream(), command.get(0) + "-stderr");
        feedStdin(process);

        boolean finished;
        try {
            finished = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            killTree(process);
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + String.join(" ", command), e);
        }
        if (!finished) {
            killTree(process);
        }
        int exitCode = waitForExit(process);
        Duration elapsed = Duration.ofNanos(System.nanoTime() - started);
        return new ProcessResult(command, exitCode, out.await(), err.await(), !finished, elapsed);
    }

    private void feedStdin(Process process) {
        OutputStream in = process.getOutputStream();
        if (stdin == null) {
            closeQuietly(in);
            return;
        }
        byte[] bytes = stdin.getBytes(StandardCharsets.UTF_8);
        Thread feeder = new Thread(() -> {
            try (in) {
                in.write(bytes);
            } catch (IOException ignored) {
                // The child exited or closed stdin early; its exit code tells the story.
            }
        }, command.get(0) + "-stdin");
        feeder.setDaemon(true);
        feeder.start();
    }

    private static void killTree(Process process) {
        // Snapshot descendants first: once the parent dies they are re-parented and out of reach.
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
    }

    private static int waitForExit(Process process) {
        try {
            if (process.waitFor(DRAIN_GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
                return process.exitValue();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return -1;
    }

    private static void closeQuietly(OutputStream stream) {
        try {
            stream.close();
        } catch (IOException ignored) {
            // nothing to clean up
        }
    }

    /** Copies one child stream into memory on a daemon thread. */
    private static final class Pump {
        private final ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        private final Thread thread;

        private Pump(InputStream source, String name) {
            this.thread = new Thread(() -> copy(source), name);
            this.thread.setDaemon(true);
        }

        static Pump start(InputStream source, String name) {
            Pump pump = new Pump(source, name);
            pump.thread.start();
            return pump;
        }

        private void copy(InputStream source) {
            byte[] chunk = new byte[8192];
            try (source) {
                int n;
                while ((n = source.read(chunk)) >= 0) {
                    synchronized (buffer) {
                        buffer.write(chunk, 0, n);
                    }
                }
            } catch (IOException ignored) {
                // Stream closed because the process was killed; keep what we have.
            }
        }

        String await() {
            try {
                thread.join(DRAIN_GRACE.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            synchronized (buffer) {
                return buffer.toString(StandardCharsets.UTF_8);
            }
        }
    }
}
