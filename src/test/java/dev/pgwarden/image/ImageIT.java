package dev.pgwarden.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.KeyStore;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import dev.pgwarden.identity.dev.DevIssuer;
import dev.pgwarden.testing.GatewayProcess;
import dev.pgwarden.testing.Jdbc;
import dev.pgwarden.testing.PostgresFixture;

/**
 * The container image tarball, built with Jib from the packaged gateway and checked the way a
 * container runtime would use it, with no Docker daemon and no registry: its configuration read
 * from the tarball, its layers applied onto a root directory, and its entrypoint run inside that
 * root (chroot, mount namespace with /proc and /dev, as the image's user) against the test
 * PostgreSQL, a store of its own and a real token issuer.
 */
class ImageIT {
    /** A PEM private key with its body (libraries name the marker in code; that is no key). */
    static final Pattern PRIVATE_KEY = Pattern.compile("-----BEGIN [A-Z ]*PRIVATE KEY-----\\s*[A-Za-z0-9+/]{32}");
    /** A configuration line that gives a secret a value (application.yaml / .properties). */
    static final Pattern SECRET_SETTING = Pattern.compile(
            "(?im)^\\s*[\\w.\"-]*(password|secret|bot-token|hash-key)\"?\\s*[:=]\\s*[^\\s#]");

    static Path scratch;
    static ImageArchive image;
    static JsonNode config;
    static Path root;

    @BeforeAll
    static void build() throws Exception {
        assumeTrue(Files.isRegularFile(GatewayProcess.RUNNER), "the image is built from target/quarkus-app: run `mvn verify`");
        scratch = Files.createTempDirectory("pgwarden-image-it");
        Path tarball = scratch.resolve("pgwarden-image.tar");
        long started = System.nanoTime();
        ImageBuilder.Result built = ImageBuilder.build(new ImageBuilder.Options(Path.of("target/quarkus-app"), tarball,
                scratch.resolve("work"), "pgwarden:it", "0.0.0-it", Map.of("org.opencontainers.image.revision", "")));
        System.out.printf("image: built %s in %d s, %d MB, %s%n", built.tarball().getFileName(),
                (System.nanoTime() - started) / 1_000_000_000L, Files.size(tarball) >> 20, built.imageId());
        image = ImageArchive.open(tarball, Files.createDirectories(scratch.resolve("members")));
        config = image.config();
    }

    @AfterAll
    static void cleanUp() throws IOException {
        if (scratch != null) {
            FileTrees.delete(scratch);
        }
    }

    @Test
    void configurationRunsTheGatewayAsANumericNonRootUserOnBothPorts() {
        assertEquals(List.of("pgwarden:it"), image.repoTags());
        assertEquals("linux", config.path("os").asText());
        assertTrue(Set.of("amd64", "arm64").contains(config.path("architecture").asText()), config.toString());
        JsonNode c = config.path("config");
        assertEquals("10001", c.path("User").asText(), "numeric, so runAsNonRoot can check it");
        assertEquals(Set.of("15432/tcp", "8080/tcp"), names(c.path("ExposedPorts")));
        assertEquals(List.of("/opt/java/bin/java", "-XX:MaxRAMPercentage=75.0", "-XX:+ExitOnOutOfMemoryError",
                "-Djava.util.logging.manager=org.jboss.logmanager.LogManager", "-jar", "/deployments/quarkus-run.jar"),
                strings(c.path("Entrypoint")), "java itself is the main process: it receives SIGTERM");
        assertTrue(c.path("Cmd").isMissingNode() || c.path("Cmd").isNull() || c.path("Cmd").isEmpty());
        assertEquals("/deployments", c.path("WorkingDir").asText());
        Map<String, String> env = env(c);
        assertEquals("/etc/pgwarden/policy.yaml", env.get("PGWARDEN_POLICY_FILE"));
        for (String name : env.keySet()) {
            assertFalse(name.matches(".*(PASSWORD|SECRET|TOKEN|KEY).*"), "the image sets a secret: " + name);
        }
        assertEquals("0.0.0-it", c.path("Labels").path("org.opencontainers.image.version").asText());
        assertFalse(c.path("Labels").has("org.opencontainers.image.revision"), "blank labels are left out");
    }

    @Test
    void dependenciesAndApplicationAreSeparateLayersLeastChangedFirst() throws IOException {
        assertEquals(7, image.layerCount());
        assertTrue(image.layerPaths(0).contains("etc/passwd"));
        assertTrue(image.layerPaths(1).contains("opt/java/bin/java"));
        assertTrue(image.layerPaths(2).contains("opt/java/lib/server/classes.jsa"));
        assertOnlyUnder(image.layerPaths(3), "deployments/lib/");
        assertTrue(image.layerPaths(3).stream().anyMatch(p -> p.startsWith("deployments/lib/main/")));
        assertEquals(List.of("deployments", "deployments/quarkus-run.jar"), image.layerPaths(4));
        assertOnlyUnder(image.layerPaths(5), "deployments/app/");
        assertOnlyUnder(image.layerPaths(6), "deployments/quarkus/");
        for (int i = 0; i < image.layerCount(); i++) {
            assertFalse(image.layerPaths(i).contains("etc/pgwarden/policy.yaml"), "the policy is mounted, not baked in");
        }
    }

    @Test
    void onlyTmpIsWritableByTheGatewayAndNoSecretIsBakedIn() throws Exception {
        Path fs = rootFileSystem();
        assertTrue(Files.readAllLines(fs.resolve("etc/passwd")).contains("pgwarden:x:10001:10001:pgwarden:/tmp:/sbin/nologin"));
        assertEquals(10001, Files.getAttribute(fs.resolve("tmp"), "unix:uid"));
        assertTrue(Files.getPosixFilePermissions(fs.resolve("tmp")).contains(PosixFilePermission.OWNER_WRITE));
        List<String> writable = new ArrayList<>();
        try (Stream<Path> all = Files.walk(fs)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                if (p.startsWith(fs.resolve("tmp")) || p.startsWith(fs.resolve("proc")) || p.startsWith(fs.resolve("dev"))) {
                    continue;
                }
                Set<PosixFilePermission> perms = Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS);
                boolean ownedByGateway = !Integer.valueOf(0).equals(Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS));
                if (ownedByGateway || perms.contains(PosixFilePermission.GROUP_WRITE)
                        || perms.contains(PosixFilePermission.OTHERS_WRITE)) {
                    writable.add(fs.relativize(p).toString());
                }
            }
        }
        assertEquals(List.of(), writable, "the gateway could change these (code, runtime, libraries)");

        Path planted = Files.createDirectories(scratch.resolve("planted"));
        Files.writeString(planted.resolve("tls.key"), "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC\n");
        Files.writeString(planted.resolve("application.properties"), "quarkus.datasource.password=hunter2\n");
        assertEquals(2, secretsUnder(planted).size(), "the scan finds a key and a password when there are some");
        assertEquals(List.of(), secretsUnder(fs), "private keys or secret settings in the image");

        // HTTPS from the JVM (OIDC discovery, Slack) trusts the runtime's own store.
        KeyStore trust = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(fs.resolve("opt/java/lib/security/cacerts"))) {
            trust.load(in, null);
        }
        assertTrue(trust.size() > 50, "CA certificates in the runtime's trust store: " + trust.size());
    }

    @Test
    void theEntrypointRunsInsideTheImageAsItsUserAndServesQueries() throws Exception {
        Path fs = rootFileSystem();
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/unshare")), "running the image needs util-linux unshare");
        PostgresFixture pg = PostgresFixture.shared();
        String store = pg.createStore("pgwarden_store_image");
        String rawSsn = pg.queryForString("SELECT ssn FROM customers WHERE id = 7");
        // What a runtime mounts: the policy (read-only, root-owned), and mount points for /proc and /dev.
        Files.createDirectories(fs.resolve("proc"));
        Files.createDirectories(fs.resolve("dev"));
        Files.copy(Path.of("deploy/policy.example.yaml"), fs.resolve("etc/pgwarden/policy.yaml"));

        JsonNode c = config.path("config");
        int uid = Integer.parseInt(c.path("User").asText());
        int gid = primaryGroup(fs, uid);
        int pgPort = freePort();
        int httpPort = freePort();
        try (DevIssuer issuer = DevIssuer.start("127.0.0.1", 0, "pgwarden")) {
            Map<String, String> env = env(c);
            env.put("JAVA_TOOL_OPTIONS", "-Xmx256m");
            env.put("PGWARDEN_LISTEN_HOST", "127.0.0.1");
            env.put("PGWARDEN_LISTEN_PORT", Integer.toString(pgPort));
            env.put("QUARKUS_HTTP_PORT", Integer.toString(httpPort));
            env.put("PGWARDEN_UPSTREAM_HOST", pg.host());
            env.put("PGWARDEN_UPSTREAM_PORT", Integer.toString(pg.port()));
            env.put("PGWARDEN_UPSTREAM_DATABASE", PostgresFixture.DATABASE);
            env.put("PGWARDEN_UPSTREAM_USER", PostgresFixture.GATEWAY_USER);
            env.put("PGWARDEN_UPSTREAM_PASSWORD", PostgresFixture.GATEWAY_PASSWORD);
            env.put("QUARKUS_OIDC_AUTH_SERVER_URL", issuer.issuer());
            env.put("QUARKUS_OIDC_TOKEN_AUDIENCE", issuer.audience());
            env.put("QUARKUS_DATASOURCE_JDBC_URL", store);
            env.put("QUARKUS_DATASOURCE_USERNAME", PostgresFixture.STORE_USER);
            env.put("QUARKUS_DATASOURCE_PASSWORD", PostgresFixture.STORE_PASSWORD);

            Path log = scratch.resolve("gateway.log");
            long started = System.nanoTime();
            Process gateway = ImageRun.start(fs, c.path("WorkingDir").asText(), uid, gid, strings(c.path("Entrypoint")),
                    env, log);
            try {
                awaitReady(gateway, URI.create("http://127.0.0.1:" + httpPort + "/q/health/ready"), log);
                System.out.printf("image: gateway ready %d ms after the entrypoint started%n",
                        (System.nanoTime() - started) / 1_000_000);
                // netty's epoll library, unpacked to /tmp at run time, found the libraries it links against.
                assertTrue(Files.readString(log).contains("native transport true"), tail(log));

                String status = Files.readString(Path.of("/proc", Long.toString(gateway.pid()), "status"));
                assertTrue(status.contains("\nUid:\t" + uid + "\t" + uid + "\t" + uid + "\t" + uid + "\n"), status);
                assertTrue(status.contains("\nGid:\t" + gid + "\t" + gid + "\t" + gid + "\t" + gid + "\n"), status);
                assertEquals(fs.toRealPath(), Path.of("/proc", Long.toString(gateway.pid()), "root").toRealPath(),
                        "the JVM runs inside the image's root, not on the machine's files");

                Properties p = new Properties();
                p.setProperty("user", "agent-7");
                p.setProperty("password", issuer.token("agent-7", List.of("analysts"), Duration.ofMinutes(5)));
                try (Connection conn = Jdbc.connect("jdbc:postgresql://127.0.0.1:" + pgPort + "/" + PostgresFixture.DATABASE
                        + "?sslmode=disable", p); Statement st = conn.createStatement();
                        ResultSet rs = st.executeQuery("SELECT current_user, ssn FROM customers WHERE id = 7")) {
                    assertTrue(rs.next());
                    assertEquals("analyst_ro", rs.getString(1), "the example policy's role for analysts");
                    assertNotEquals(rawSsn, rs.getString(2), "the example policy masks the SSN");
                }
            } finally {
                gateway.destroy();
                if (!gateway.waitFor(30, TimeUnit.SECONDS)) {
                    gateway.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            }
        }
    }

    // --- helpers --------------------------------------------------------------------------------

    /** The image's layers applied onto one directory (once); owners as recorded need root. */
    static synchronized Path rootFileSystem() throws IOException {
        assumeTrue(Integer.valueOf(0).equals(Files.getAttribute(Path.of("/proc/self"), "unix:uid")),
                "applying the layers with their owners and running the image (chroot, mounts) need root");
        if (root == null) {
            Path dir = scratch.resolve("rootfs");
            long started = System.nanoTime();
            image.extractTo(dir);
            System.out.printf("image: layers applied in %d ms%n", (System.nanoTime() - started) / 1_000_000);
            root = dir.toRealPath();
        }
        return root;
    }

    /** Private keys in files and jar resources, and secret settings in configuration files. */
    static List<String> secretsUnder(Path dir) throws IOException {
        List<String> found = new ArrayList<>();
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) all.filter(f -> Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS))::iterator) {
                String name = p.getFileName().toString();
                if (name.endsWith(".jar")) {
                    try (JarFile jar = new JarFile(p.toFile())) {
                        Enumeration<JarEntry> entries = jar.entries();
                        while (entries.hasMoreElements()) {
                            JarEntry e = entries.nextElement();
                            // Classes are code (netty's carry a public probe key for OpenSSL): resources only.
                            if (!e.isDirectory() && !e.getName().endsWith(".class") && e.getSize() < 1 << 20) {
                                try (InputStream in = jar.getInputStream(e)) {
                                    if (leaks(e.getName(), new String(in.readAllBytes(), StandardCharsets.ISO_8859_1))) {
                                        found.add(p + "!" + e.getName());
                                    }
                                }
                            }
                        }
                    }
                } else if (Files.size(p) < 1 << 20 && leaks(name, Files.readString(p, StandardCharsets.ISO_8859_1))) {
                    found.add(p.toString());
                }
            }
        }
        return found;
    }

    private static boolean leaks(String name, String text) {
        boolean config = name.endsWith("application.yaml") || name.endsWith("application.yml")
                || name.endsWith("application.properties") || name.endsWith(".env");
        return PRIVATE_KEY.matcher(text).find() || (config && SECRET_SETTING.matcher(text).find());
    }

    static int primaryGroup(Path fs, int uid) throws IOException {
        for (String line : Files.readAllLines(fs.resolve("etc/passwd"))) {
            String[] f = line.split(":");
            if (f.length > 3 && f[2].equals(Integer.toString(uid))) {
                return Integer.parseInt(f[3]);
            }
        }
        throw new AssertionError("user " + uid + " is not in the image's /etc/passwd");
    }

    static void awaitReady(Process gateway, URI ready, Path log) throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < deadline) {
            if (!gateway.isAlive()) {
                throw new AssertionError("the image's entrypoint exited with " + gateway.exitValue() + "\n" + tail(log));
            }
            try {
                if (http.send(HttpRequest.newBuilder(ready).build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(200);
        }
        throw new AssertionError("the gateway in the image never became ready\n" + tail(log));
    }

    static String tail(Path log) throws IOException {
        List<String> lines = Files.exists(log) ? Files.readAllLines(log) : List.of();
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
    }

    static Map<String, String> env(JsonNode c) {
        Map<String, String> env = new LinkedHashMap<>();
        for (String kv : strings(c.path("Env"))) {
            int eq = kv.indexOf('=');
            env.put(kv.substring(0, eq), kv.substring(eq + 1));
        }
        return env;
    }

    static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    static Set<String> names(JsonNode object) {
        Set<String> out = new TreeSet<>();
        object.fieldNames().forEachRemaining(out::add);
        return out;
    }

    static void assertOnlyUnder(List<String> paths, String prefix) {
        String parent = prefix.substring(0, prefix.indexOf('/'));
        for (String p : paths) {
            assertTrue(p.equals(parent) || p.startsWith(prefix) || prefix.startsWith(p + "/"), p + " is not under " + prefix);
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
