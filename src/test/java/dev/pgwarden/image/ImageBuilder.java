package dev.pgwarden.image;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import com.google.cloud.tools.jib.api.Containerizer;
import com.google.cloud.tools.jib.api.ImageReference;
import com.google.cloud.tools.jib.api.Jib;
import com.google.cloud.tools.jib.api.JibContainer;
import com.google.cloud.tools.jib.api.LogEvent;
import com.google.cloud.tools.jib.api.Ports;
import com.google.cloud.tools.jib.api.TarImage;
import com.google.cloud.tools.jib.api.buildplan.AbsoluteUnixPath;
import com.google.cloud.tools.jib.api.buildplan.FileEntriesLayer;
import com.google.cloud.tools.jib.api.buildplan.FilePermissions;
import com.google.cloud.tools.jib.api.buildplan.ImageFormat;
import com.google.cloud.tools.jib.api.buildplan.Platform;

/**
 * Builds the pgwarden container image as a tarball ({@code docker load} / {@code podman load}) with
 * Jib, from scratch: no base image to pull, no registry, no Docker daemon. The layers, least often
 * changed first: the machine's shared libraries and system files, a jlinked Java runtime and its
 * class-data-sharing archive, then the Quarkus fast-jar as lib/, quarkus-run.jar, app/ and quarkus/.
 *
 * <p>Run by {@code ./mvnw -B -DskipTests -Pimage package} (see src/main/docker/README.md) and by
 * ImageIT. It lives in the test sources so jib-core never reaches the gateway's own class path.
 */
public final class ImageBuilder {

    /**
     * @param app      the Quarkus fast-jar directory (target/quarkus-app)
     * @param output   the tarball to write
     * @param work     scratch directory for the runtime, the system files and Jib's layer cache
     * @param name     the image reference stored in the tarball, e.g. {@code pgwarden:0.1.0}
     * @param version  the application version (label)
     * @param labels   extra labels (source, revision); blank values are left out
     */
    public record Options(Path app, Path output, Path work, String name, String version, Map<String, String> labels) {
    }

    /** The written tarball and the identities Jib computed for it. */
    public record Result(Path tarball, String digest, String imageId) {
    }

    private ImageBuilder() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> a = arguments(args);
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put("org.opencontainers.image.source", a.getOrDefault("source", ""));
        labels.put("org.opencontainers.image.revision", a.getOrDefault("revision", ""));
        Options o = new Options(Path.of(a.get("app")), Path.of(a.get("output")), Path.of(a.get("work")),
                a.get("name"), a.get("version"), labels);
        long started = System.nanoTime();
        Result r = build(o);
        System.out.printf("pgwarden image %s written to %s (%d MB, %d s)%n  image id %s%n  digest   %s%n", o.name(),
                r.tarball(), Files.size(r.tarball()) >> 20, (System.nanoTime() - started) / 1_000_000_000L,
                r.imageId(), r.digest());
    }

    public static Result build(Options o) throws Exception {
        ImageReference.parse(o.name()); // a bad name fails here, before any work
        Path app = o.app().toAbsolutePath();
        for (String part : List.of("quarkus-run.jar", "lib", "app", "quarkus")) {
            if (!Files.exists(app.resolve(part))) {
                throw new IllegalStateException(app.resolve(part) + " is missing: run `./mvnw -B -DskipTests package` first");
            }
        }
        Path work = o.work().toAbsolutePath();
        for (String own : List.of("runtime", "jar-natives", "files")) {
            FileTrees.delete(work.resolve(own));
        }
        Files.createDirectories(work);

        Path runtime = JavaRuntime.link(JavaRuntime.currentJdk(), ImageLayout.MODULES, ImageLayout.DESKTOP_NATIVES,
                work.resolve("runtime"));
        int machine = ElfFiles.machineOf(runtime.resolve("bin/java"));
        List<Path> elfs = new ArrayList<>(ElfFiles.in(runtime));
        Path jarNatives = work.resolve("jar-natives");
        elfs.addAll(ElfFiles.extractFromJars(app.resolve("lib"), machine, jarNatives));
        Set<String> ownNames = elfs.stream().map(p -> p.getFileName().toString()).collect(Collectors.toSet());
        SortedSet<String> hostLibraries = SharedLibraries.neededBy(elfs, List.of(runtime, jarNatives), ownNames);

        AbsoluteUnixPath deployments = AbsoluteUnixPath.get(ImageLayout.APP_DIR);
        FileEntriesLayer system = systemLayer(hostLibraries, work.resolve("files"));
        // JDK 17 writes a different CDS archive on every run: in a layer of its own, the much larger
        // runtime layer stays byte-identical from build to build and a registry keeps it.
        FileEntriesLayer.Builder jre = FileEntriesLayer.builder().setName("java-runtime");
        FileEntriesLayer.Builder cds = FileEntriesLayer.builder().setName("java-cds-archive");
        AbsoluteUnixPath javaHome = AbsoluteUnixPath.get(ImageLayout.JAVA_HOME);
        try (Stream<Path> all = Files.walk(runtime)) {
            for (Path source : (Iterable<Path>) all.filter(p -> !p.equals(runtime))::iterator) {
                AbsoluteUnixPath target = javaHome.resolve(runtime.relativize(source).toString());
                (source.toString().endsWith(".jsa") ? cds : jre).addEntry(source, target, readOnlyCopyOf(source));
            }
        }

        List<FileEntriesLayer> layers = List.of(system, jre.build(), cds.build(),
                appLayer("dependencies", app.resolve("lib"), deployments.resolve("lib")),
                appLayer("runner", app.resolve("quarkus-run.jar"), deployments.resolve("quarkus-run.jar")),
                appLayer("application", app.resolve("app"), deployments.resolve("app")),
                appLayer("quarkus", app.resolve("quarkus"), deployments.resolve("quarkus")));

        Files.createDirectories(o.output().toAbsolutePath().getParent());
        Containerizer to = Containerizer.to(TarImage.at(o.output().toAbsolutePath()).named(o.name()))
                .setOfflineMode(true)
                .setBaseImageLayersCache(work.resolve("cache/base"))
                .setApplicationLayersCache(work.resolve("cache/application"))
                .setToolName("pgwarden-image-builder")
                .addEventHandler(LogEvent.class, e -> {
                    if (e.getLevel() == LogEvent.Level.ERROR || e.getLevel() == LogEvent.Level.WARN) {
                        System.err.println("jib: " + e.getMessage());
                    }
                });
        JibContainer built = Jib.fromScratch()
                .setFormat(ImageFormat.Docker)
                .setPlatforms(Set.of(new Platform(architecture(machine), "linux")))
                .setFileEntriesLayers(layers)
                .setEnvironment(ImageLayout.environment())
                .setEntrypoint(ImageLayout.ENTRYPOINT)
                .setUser(ImageLayout.USER)
                .setWorkingDirectory(deployments)
                .setExposedPorts(Ports.parse(ImageLayout.PORTS))
                .setLabels(labels(o))
                .containerize(to);
        return new Result(o.output(), built.getDigest().toString(), built.getImageId().toString());
    }

    /**
     * What a distribution would provide: the shared libraries native code needs, accounts, the CA
     * bundle, the C.UTF-8 locale, the policy's mount point and a writable /tmp.
     */
    private static FileEntriesLayer systemLayer(SortedSet<String> hostLibraries, Path files) throws IOException {
        SystemFiles.writeAccounts(files);
        Path emptyDir = Files.createDirectories(files.resolve("empty"));
        FileEntriesLayer.Builder system = FileEntriesLayer.builder().setName("system");
        for (String lib : hostLibraries) {
            // The loader finds them by these paths; the content is the file a symlink points to.
            system.addEntry(Path.of(lib).toRealPath(), AbsoluteUnixPath.get(lib), FilePermissions.fromOctalString("755"));
        }
        system.addEntry(files.resolve("etc/passwd"), AbsoluteUnixPath.get("/etc/passwd"));
        system.addEntry(files.resolve("etc/group"), AbsoluteUnixPath.get("/etc/group"));
        system.addEntry(SystemFiles.require(ImageLayout.CA_BUNDLE, "PEM CA bundle").toRealPath(),
                AbsoluteUnixPath.get(ImageLayout.CA_BUNDLE));
        system.addEntryRecursive(SystemFiles.require(ImageLayout.LOCALE_DIR, "C.UTF-8 locale, Debian's libc-bin"),
                AbsoluteUnixPath.get(ImageLayout.LOCALE_DIR));
        // Mount point of the policy; root-owned, the gateway only reads it.
        system.addEntry(emptyDir, AbsoluteUnixPath.get(ImageLayout.POLICY_DIR));
        // The one writable directory, owned by the gateway's user, group 0 writable too for runtimes
        // that pick an arbitrary uid in group root. Jib cannot set the sticky bit; one user writes here.
        system.addEntry(emptyDir, AbsoluteUnixPath.get(ImageLayout.TMP_DIR), FilePermissions.fromOctalString("775"),
                FileEntriesLayer.DEFAULT_MODIFICATION_TIME, ImageLayout.UID + ":0");
        return system.build();
    }

    private static Map<String, String> labels(Options o) {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put("org.opencontainers.image.title", "pgwarden");
        labels.put("org.opencontainers.image.description", "Identity-aware PostgreSQL gateway");
        labels.put("org.opencontainers.image.version", o.version());
        // Which JDK build the runtime was linked from: its security patches are the image's.
        labels.put("dev.pgwarden.java-runtime", System.getProperty("java.vm.vendor") + " " + Runtime.version());
        o.labels().forEach((k, v) -> {
            if (v != null && !v.isBlank()) {
                labels.put(k, v);
            }
        });
        return labels;
    }

    /** Root-owned application files: 644/755, so the gateway's user cannot change its own code. */
    private static FileEntriesLayer appLayer(String name, Path source, AbsoluteUnixPath target) throws IOException {
        FileEntriesLayer.Builder b = FileEntriesLayer.builder().setName(name);
        if (Files.isDirectory(source)) {
            b.addEntryRecursive(source, target);
        } else {
            b.addEntry(source, target);
        }
        return b.build();
    }

    /** The source file's mode without group/other write (jlink's executables keep their x bits). */
    private static FilePermissions readOnlyCopyOf(Path source) {
        try {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(source);
            perms.remove(PosixFilePermission.GROUP_WRITE);
            perms.remove(PosixFilePermission.OTHERS_WRITE);
            return FilePermissions.fromPosixFilePermissions(perms);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The OCI architecture of an ELF machine. */
    static String architecture(int elfMachine) {
        return switch (elfMachine) {
            case 62 -> "amd64";
            case 183 -> "arm64";
            default -> throw new IllegalStateException("no image architecture for ELF machine " + elfMachine);
        };
    }

    /** {@code --key=value} arguments; app, output, work, name and version are required. */
    static Map<String, String> arguments(String[] args) {
        Map<String, String> a = new LinkedHashMap<>();
        for (String arg : args) {
            int eq = arg.indexOf('=');
            if (!arg.startsWith("--") || eq < 0) {
                throw new IllegalArgumentException("expected --key=value, got: " + arg);
            }
            a.put(arg.substring(2, eq), arg.substring(eq + 1));
        }
        for (String required : List.of("app", "output", "work", "name", "version")) {
            if (a.getOrDefault(required, "").isBlank()) {
                throw new IllegalArgumentException("missing --" + required + "=...");
            }
        }
        return a;
    }
}
