package dev.pgwarden.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.util.ArrayList;
import java.util.List;

/**
 * The OS user that owns and runs the throwaway cluster.
 *
 * <p>postgres, initdb and pg_ctl refuse to run as root, and CI runs as root. So as root the
 * cluster's files are handed to the {@code postgres} OS user and server commands are wrapped in
 * {@code runuser}; as any other user everything runs directly as that user.
 */
final class ClusterOwner {

    static final String OS_USER = "postgres";
    /** Unix socket paths are limited to 107 bytes; long java.io.tmpdir values would break them. */
    private static final int MAX_TEMP_DIR_LENGTH = 60;

    private final boolean root;

    private ClusterOwner(boolean root) {
        this.root = root;
    }

    static ClusterOwner detect() {
        boolean root = effectiveUidIsRoot();
        if (root && !Files.isExecutable(Path.of("/usr/sbin/runuser")) && !Files.isExecutable(Path.of("/sbin/runuser"))) {
            throw new IllegalStateException("running as root but runuser is missing; cannot drop to OS user '"
                    + OS_USER + "' for initdb/pg_ctl");
        }
        return new ClusterOwner(root);
    }

    private static boolean effectiveUidIsRoot() {
        try {
            // /proc/self resolves to our own /proc/<pid>, which is owned by our effective uid.
            return ((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid")) == 0;
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return "root".equals(System.getProperty("user.name"));
        }
    }

    /** The command as it must be run to act as the cluster owner. */
    List<String> command(List<String> command) {
        if (!root) {
            return command;
        }
        List<String> wrapped = new ArrayList<>(List.of("runuser", "-u", OS_USER, "--"));
        wrapped.addAll(command);
        return wrapped;
    }

    /**
     * A fresh private directory the cluster owner can write to. As root it lives in /tmp, because
     * java.io.tmpdir might sit below a directory (e.g. /root) that the postgres user cannot traverse.
     */
    Path createTempDirectory(String prefix) {
        try {
            Path dir = Files.createTempDirectory(tempBase(), prefix);
            handOver(dir);
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create temp directory for PostgreSQL", e);
        }
    }

    Path tempBase() {
        Path base = Path.of(System.getProperty("java.io.tmpdir"));
        return root || base.toAbsolutePath().toString().length() > MAX_TEMP_DIR_LENGTH ? Path.of("/tmp") : base;
    }

    /** Makes a file or directory we created (as root) belong to the cluster owner. */
    void handOver(Path path) {
        if (!root) {
            return;
        }
        try {
            UserPrincipalLookupService lookup = path.getFileSystem().getUserPrincipalLookupService();
            UserPrincipal user = lookup.lookupPrincipalByName(OS_USER);
            GroupPrincipal group = lookup.lookupPrincipalByGroupName(OS_USER);
            PosixFileAttributeView view = Files.getFileAttributeView(path, PosixFileAttributeView.class);
            view.setOwner(user);
            view.setGroup(group);
        } catch (IOException e) {
            throw new UncheckedIOException("running as root but cannot chown " + path + " to OS user '"
                    + OS_USER + "' (does it exist?)", e);
        }
    }
}
