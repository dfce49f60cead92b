package dev.pgwarden.image;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the pgwarden image is: where things live inside it, who runs it, what it listens on and how
 * it starts. User, ports and policy path are those of {@code src/main/docker/Dockerfile.jvm}.
 */
public final class ImageLayout {
    /** Numeric, so Kubernetes' runAsNonRoot can verify it without reading /etc/passwd. */
    public static final int UID = 10001;
    public static final int GID = 10001;
    public static final String USER = Integer.toString(UID);
    public static final String USER_NAME = "pgwarden";

    public static final String JAVA_HOME = "/opt/java";
    public static final String APP_DIR = "/deployments";
    /** java.io.tmpdir: the only path the gateway writes (Vert.x file cache, netty's native library). */
    public static final String TMP_DIR = "/tmp";
    public static final String POLICY_DIR = "/etc/pgwarden";
    public static final String POLICY_FILE = POLICY_DIR + "/policy.yaml";
    /**
     * The machine's PEM CA bundle, for {@code pgwarden.upstream.ssl-root-cert} against a publicly signed
     * PostgreSQL. HTTPS from the JVM (OIDC discovery, Slack) trusts the runtime's own lib/security/cacerts.
     */
    public static final String CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt";
    public static final String LOCALE_DIR = "/usr/lib/locale/C.utf8";

    public static final List<String> PORTS = List.of("15432", "8080");

    /**
     * The JDK modules of the runtime: all of Java SE ({@code java.se}; jdeps misses what generated
     * code reaches, such as java.rmi for context propagation, so no narrower list is safe), plus the
     * jdk.* modules the gateway and its libraries use: jdk.httpserver (the development issuer),
     * jdk.unsupported (sun.misc.Unsafe for netty), jdk.management (JVM metrics), EC crypto for TLS and
     * JWT, extra charsets for upstream encodings, DNS, socket options, the zip file system.
     */
    public static final List<String> MODULES = List.of("java.se",
            "jdk.charsets", "jdk.crypto.ec", "jdk.httpserver", "jdk.management", "jdk.naming.dns", "jdk.net",
            "jdk.unsupported", "jdk.zipfs");

    /**
     * java.desktop (in java.se) is there for java.beans (Hibernate, Jackson); its native libraries
     * for windows, fonts, images and sound are left out of the runtime, and with them X11, freetype,
     * libjpeg, ALSA and their kin: a server never loads them.
     */
    public static final List<String> DESKTOP_NATIVES = List.of("libawt_xawt.so", "libfontmanager.so",
            "libjavajpeg.so", "libjawt.so", "libjsound.so", "liblcms.so", "libmlib_image.so", "libsplashscreen.so");

    /**
     * No shell in the image: the JVM is started directly, so it is the container's main process and
     * receives SIGTERM (graceful shutdown). More JVM flags go in JAVA_TOOL_OPTIONS.
     */
    public static final List<String> ENTRYPOINT = List.of(JAVA_HOME + "/bin/java",
            "-XX:MaxRAMPercentage=75.0", "-XX:+ExitOnOutOfMemoryError",
            "-Djava.util.logging.manager=org.jboss.logmanager.LogManager",
            "-jar", APP_DIR + "/quarkus-run.jar");

    private ImageLayout() {
    }

    /** The image's environment; no secret, no deployment-specific setting. */
    public static Map<String, String> environment() {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PATH", JAVA_HOME + "/bin");
        env.put("JAVA_HOME", JAVA_HOME);
        env.put("LANG", "C.UTF-8");
        env.put("PGWARDEN_POLICY_FILE", POLICY_FILE);
        return env;
    }
}
