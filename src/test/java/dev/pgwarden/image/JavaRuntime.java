package dev.pgwarden.image;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;

import dev.pgwarden.testing.ProcessRunner;

/** A Java runtime with only the given modules, made by {@code jlink} from a JDK on this machine. */
final class JavaRuntime {
    private JavaRuntime() {
    }

    /**
     * Links the runtime into {@code output} (which must not exist yet), without the native libraries
     * named in {@code leftOutLibraries}. The JDK must have its jmods (Debian: openjdk-17-jdk-headless).
     */
    static Path link(Path jdkHome, List<String> modules, List<String> leftOutLibraries, Path output)
            throws IOException {
        Path jlink = jdkHome.resolve("bin/jlink");
        if (!Files.isExecutable(jlink)) {
            throw new IllegalStateException("no jlink in " + jdkHome + ": building the image needs a JDK, not a JRE");
        }
        Files.createDirectories(output.getParent());
        String exclude = leftOutLibraries.stream().map(l -> "**/" + l).collect(Collectors.joining(","));
        ProcessRunner.of(jlink.toString(), "--add-modules", String.join(",", modules),
                "--exclude-files=" + exclude, "--strip-debug", "--no-header-files", "--no-man-pages",
                // the class-data-sharing archive a full JDK ships: JDK classes start mapped, not parsed
                "--generate-cds-archive", "--output", output.toString())
                .timeout(Duration.ofMinutes(5)).run().requireSuccess();
        return output;
    }

    /** The JDK of a running JVM: java.home is the JDK itself since Java 9. */
    static Path currentJdk() {
        return Path.of(System.getProperty("java.home"));
    }
}
