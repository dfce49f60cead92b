package dev.pgwarden.image;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The few operating-system files a JVM needs in an image that has no distribution underneath. */
final class SystemFiles {
    private SystemFiles() {
    }

    /**
     * Writes {@code etc/passwd} and {@code etc/group} under {@code dir}: the JVM asks for the user's
     * name and home (user.name, user.home), and a runtime resolves USER through them. The home is
     * /tmp, the one writable directory; there is no login shell.
     */
    static void writeAccounts(Path dir) throws IOException {
        Path etc = Files.createDirectories(dir.resolve("etc"));
        Files.writeString(etc.resolve("passwd"), "root:x:0:0:root:/root:/sbin/nologin\n"
                + ImageLayout.USER_NAME + ":x:" + ImageLayout.UID + ":" + ImageLayout.GID + ":pgwarden:"
                + ImageLayout.TMP_DIR + ":/sbin/nologin\n");
        Files.writeString(etc.resolve("group"), "root:x:0:\n" + ImageLayout.USER_NAME + ":x:" + ImageLayout.GID + ":\n");
    }

    /**
     * A host file the image needs at the same path (the PEM CA bundle, the C.UTF-8 locale so the JVM
     * reads and writes UTF-8): missing means a broken image, so it fails the build.
     */
    static Path require(String absolutePath, String why) {
        Path p = Path.of(absolutePath);
        if (!Files.exists(p)) {
            throw new IllegalStateException(absolutePath + " is missing on this machine (" + why + ")");
        }
        return p;
    }
}
