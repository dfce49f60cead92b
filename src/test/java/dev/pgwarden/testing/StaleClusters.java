package dev.pgwarden.testing;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Stops and deletes fixture clusters left behind by JVMs that died without running shutdown
 * hooks (SIGKILL, CI timeouts); otherwise each such run leaks a live postmaster and its files.
 *
 * <p>Every cluster directory records the pid of the JVM that owns it; a directory whose owner is
 * no longer alive is stale. Directories without that record are left alone: they may belong to
 * a JVM that is creating one right now.
 */
final class StaleClusters {

    private static final String OWNER_FILE = "owner.pid";

    private StaleClusters() {
    }

    /** Marks {@code root} as belonging to this JVM. */
    static void claim(Path root) {
        try {
            Files.writeString(root.resolve(OWNER_FILE), Long.toString(ProcessHandle.current().pid()));
        } catch (IOException e) {
            // Only the sweep of a later run depends on it; the cluster itself works without.
        }
    }

    static void sweep(Path base, String prefix) {
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(base, prefix + "*")) {
            for (Path dir : dirs) {
                ownerPid(dir).filter(pid -> ProcessHandle.of(pid).isEmpty()).ifPresent(pid -> {
                    System.err.println("pgwarden fixture: removing stale cluster " + dir + " (owner JVM " + pid + " is gone)");
                    LocalPostgresCluster.attach(dir, 0).stop();
                });
            }
        } catch (IOException | RuntimeException e) {
            System.err.println("pgwarden fixture: could not sweep stale clusters in " + base + ": " + e.getMessage());
        }
    }

    private static Optional<Long> ownerPid(Path dir) {
        try {
            return Optional.of(Long.parseLong(Files.readString(dir.resolve(OWNER_FILE)).trim()));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }
}
