package dev.pgwarden.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.Properties;

/**
 * A real, throwaway PostgreSQL 15 cluster with the pgwarden test schema (database {@code shop},
 * see {@code src/test/resources/fixture/init.sql}).
 *
 * <p>Use {@link #shared()} almost always: one cluster per JVM, started on first use (~2 s) and
 * stopped by a shutdown hook. {@link #startNew()} gives a private cluster for tests that need to
 * stop or break it.
 */
public final class PostgresFixture {

    public static final String HOST = LocalPostgresCluster.HOST;
    public static final String DATABASE = "shop";
    public static final String SUPERUSER = LocalPostgresCluster.SUPERUSER;

    /** The gateway's upstream login: LOGIN NOINHERIT, SCRAM verifier, member of both *_ro roles. */
    public static final String GATEWAY_USER = "pgwarden_gw";
    public static final String GATEWAY_PASSWORD = "gw-test-password";
    /** Like {@link #GATEWAY_USER} but with an md5 verifier and an md5 pg_hba line. */
    public static final String MD5_USER = "pgwarden_md5";
    public static final String MD5_PASSWORD = "md5-test-password";

    public static final String ANALYST_ROLE = "analyst_ro";
    public static final String SUPPORT_ROLE = "support_ro";
    /** The gateway's own store (approvals, audit): a separate database and login. */
    public static final String STORE_DATABASE = "pgwarden_store";
    public static final String STORE_USER = "pgwarden_store";
    public static final String STORE_PASSWORD = "store-test-password";
    public static final int CUSTOMER_COUNT = 100;
    public static final int ORDER_COUNT = 1000;

    /*
     * Quarkus loads @QuarkusTest classes in its own class loader, so this class (and its statics)
     * can exist more than once per JVM. The first copy to start a cluster publishes a handle file
     * via a system property; the others attach to it. The lock is an interned string literal,
     * which is the same object for every class loader. The system property holds only a path:
     * surefire copies system properties into its XML reports.
     */
    private static final String JVM_LOCK = "dev.pgwarden.testing.PostgresFixture#shared";
    private static final String HANDLE_PROPERTY = "pgwarden_test.fixture.handle";
    private static PostgresFixture shared;
    private static RuntimeException sharedFailure;

    private final LocalPostgresCluster cluster;
    private final String superuserPassword;

    private PostgresFixture(LocalPostgresCluster cluster, String superuserPassword) {
        this.cluster = cluster;
        this.superuserPassword = superuserPassword;
    }

    /** The JVM-wide cluster; started lazily, thread-safe, stopped and deleted at JVM exit. */
    public static PostgresFixture shared() {
        synchronized (JVM_LOCK) {
            if (shared != null && shared.isRunning()) {
                return shared;
            }
            if (sharedFailure != null) {
                // Fail fast: retrying a broken start in every test class only multiplies the wait.
                throw new IllegalStateException("shared PostgreSQL fixture failed to start earlier in this JVM",
                        sharedFailure);
            }
            shared = attachToPublished(HANDLE_PROPERTY);
            if (shared != null && !shared.isRunning()) {
                shared = null;
            }
            if (shared == null) {
                try {
                    shared = startNew();
                } catch (RuntimeException e) {
                    sharedFailure = e;
                    throw e;
                }
                shared.publish(HANDLE_PROPERTY);
            }
            return shared;
        }
    }

    /**
     * Another JVM-wide cluster, kept apart under {@code name} (a store that a test stops and starts
     * again), shared across class loaders like {@link #shared()}: the test profile that configures
     * the gateway and the test that stops the server see the same cluster.
     */
    public static PostgresFixture sharedAs(String name) {
        String property = HANDLE_PROPERTY + "." + name;
        synchronized (JVM_LOCK) {
            PostgresFixture f = attachToPublished(property);
            if (f == null) {
                f = startNew();
                f.publish(property);
            }
            return f;
        }
    }

    /** A private cluster; call {@link #stop()} when done (a shutdown hook is the safety net). */
    public static PostgresFixture startNew() {
        return startNew(Map.of());
    }

    /**
     * A private cluster with server settings on top of the fixture's, e.g.
     * {@code Map.of("max_connections", "600")} for a test with hundreds of sessions.
     */
    public static PostgresFixture startNew(Map<String, String> settings) {
        long started = System.nanoTime();
        String password = randomPassword();
        LocalPostgresCluster cluster = LocalPostgresCluster.start(password, settings);
        PostgresFixture fixture = new PostgresFixture(cluster, password);
        Runtime.getRuntime().addShutdownHook(new Thread(cluster::stop, "pgwarden-pg-stop-" + cluster.port()));
        try {
            fixture.createSchema();
        } catch (SQLException | RuntimeException e) {
            String log = cluster.logTail();
            cluster.stop();
            throw new IllegalStateException("PostgreSQL started but the test schema could not be created: "
                    + e.getMessage() + "\n  --- server log (tail) ---\n" + log, e);
        }
        System.err.printf("pgwarden fixture: PostgreSQL on %s:%d ready in %d ms (%s)%n",
                HOST, cluster.port(), (System.nanoTime() - started) / 1_000_000, cluster.root());
        return fixture;
    }

    public String host() {
        return HOST;
    }

    public int port() {
        return cluster.port();
    }

    public String database() {
        return DATABASE;
    }

    public String superuser() {
        return SUPERUSER;
    }

    public String superuserPassword() {
        return superuserPassword;
    }

    /** Directory holding the Unix socket ({@code .s.PGSQL.<port>}); local connections are trusted. */
    public Path unixSocketDir() {
        return cluster.dataDir();
    }

    public Path logFile() {
        return cluster.logFile();
    }

    /** Last lines of the server log, for assertion messages. */
    public String logTail() {
        return cluster.logTail();
    }

    public String jdbcUrl() {
        return jdbcUrl(DATABASE);
    }

    public String jdbcUrl(String database) {
        return "jdbc:postgresql://" + HOST + ":" + port() + "/" + database;
    }

    /** libpq coordinates for psql/pgbench against {@code shop} over TCP. */
    public PgTarget target(String user, String password) {
        return new PgTarget(HOST, port(), user, DATABASE, password);
    }

    public PgTarget superuserTarget() {
        return target(SUPERUSER, superuserPassword);
    }

    public Connection superuserConnection() throws SQLException {
        return connect(DATABASE, SUPERUSER, superuserPassword);
    }

    /** A direct pgjdbc connection to {@code shop} (bypassing any gateway). */
    public Connection connect(String user, String password) throws SQLException {
        return connect(DATABASE, user, password);
    }

    public Connection connect(String database, String user, String password) throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", user);
        props.setProperty("password", password);
        props.setProperty("connectTimeout", "10");
        props.setProperty("ApplicationName", "pgwarden-test");
        return Jdbc.connect(jdbcUrl(database), props);
    }

    /** Runs SQL as superuser in {@code shop} (autocommit; several statements allowed). */
    public void execute(String sql) {
        try (Connection c = superuserConnection(); Statement s = c.createStatement()) {
            s.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException("superuser SQL failed: " + e.getMessage(), e);
        }
    }

    /** First column of the first row as text (null if no row), as superuser in {@code shop}. */
    public String queryForString(String sql) {
        try (Connection c = superuserConnection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : null;
        } catch (SQLException e) {
            throw new IllegalStateException("superuser query failed: " + e.getMessage(), e);
        }
    }

    /** Creates an empty database (e.g. for pgbench -i, which needs CREATE on its schema). */
    public void createDatabase(String name) {
        try (Connection c = connect("postgres", SUPERUSER, superuserPassword); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + FixtureSchema.identifier(name));
        } catch (SQLException e) {
            throw new IllegalStateException("CREATE DATABASE " + name + " failed: " + e.getMessage(), e);
        }
    }

    /**
     * Creates an empty store database owned by {@link #STORE_USER} (the gateway's Flyway migrations
     * fill it) and returns its JDBC URL. Tests that need a store of their own (two replicas sharing
     * one, a store that goes away) pass a fresh name.
     */
    public String createStore(String name) {
        try (Connection c = connect("postgres", SUPERUSER, superuserPassword); Statement s = c.createStatement()) {
            s.execute("DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = "
                    + FixtureSchema.literal(STORE_USER) + ") THEN CREATE ROLE " + FixtureSchema.identifier(STORE_USER)
                    + " LOGIN PASSWORD " + FixtureSchema.literal(STORE_PASSWORD) + "; END IF; END $$");
            s.execute("CREATE DATABASE " + FixtureSchema.identifier(name) + " OWNER "
                    + FixtureSchema.identifier(STORE_USER));
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create store database " + name + ": " + e.getMessage(), e);
        }
        return jdbcUrl(name);
    }

    /** The shared store's JDBC URL (created with the cluster). */
    public String storeJdbcUrl() {
        return jdbcUrl(STORE_DATABASE);
    }

    /** Stops the server as an outage would (clean shutdown), keeping its data for {@link #startServer()}. */
    public void stopServer() {
        cluster.stopServer();
    }

    /** Brings a server stopped by {@link #stopServer()} back on the same port. */
    public void startServer() {
        cluster.restart();
    }

    /**
     * Brings a server stopped by {@link #stopServer()} back on another free port (same data), as a
     * store failing over to another address would; {@link #port()} then answers the new port.
     */
    public void startServerOnNewPort() {
        cluster.restartOnNewPort();
    }

    public boolean isRunning() {
        return cluster.isRunning();
    }

    /** Stops the cluster immediately and deletes its files. Idempotent. */
    public void stop() {
        synchronized (JVM_LOCK) {
            if (handleFile().toString().equals(System.getProperty(HANDLE_PROPERTY))) {
                System.clearProperty(HANDLE_PROPERTY);
            }
        }
        cluster.stop();
    }

    private void createSchema() throws SQLException {
        createDatabase(DATABASE);
        String script = FixtureSchema.render(Map.of(
                "GATEWAY_PASSWORD", GATEWAY_PASSWORD,
                "MD5_PASSWORD", MD5_PASSWORD));
        try (Connection c = superuserConnection()) {
            FixtureSchema.apply(c, script);
        }
        createStore(STORE_DATABASE);
    }

    private Path handleFile() {
        return cluster.root().resolve("fixture.properties");
    }

    /** Writes port and password to an owner-only file and points the system property at it. */
    private void publish(String property) {
        Properties handle = new Properties();
        handle.setProperty("port", Integer.toString(port()));
        handle.setProperty("superuserPassword", superuserPassword);
        Path file = handleFile();
        try {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            try (OutputStream out = Files.newOutputStream(file)) {
                handle.store(out, "pgwarden PostgresFixture handle, shared across class loaders");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write fixture handle " + file, e);
        }
        System.setProperty(property, file.toString());
    }

    /** The cluster another class loader published under {@code property} (running or stopped), or null. */
    private static PostgresFixture attachToPublished(String property) {
        String path = System.getProperty(property);
        if (path == null) {
            return null;
        }
        Path file = Path.of(path);
        Properties handle = new Properties();
        try (InputStream in = Files.newInputStream(file)) {
            handle.load(in);
        } catch (IOException e) {
            return null; // stale: the cluster was stopped and deleted
        }
        PostgresFixture fixture = new PostgresFixture(
                LocalPostgresCluster.attach(file.getParent(), Integer.parseInt(handle.getProperty("port"))),
                handle.getProperty("superuserPassword"));
        return fixture;
    }

    private static String randomPassword() {
        String alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
        SecureRandom random = new SecureRandom();
        StringBuilder sb = new StringBuilder(24);
        for (int i = 0; i < 24; i++) {
            sb.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return "PostgresFixture[" + HOST + ":" + port() + "/" + DATABASE + "]";
    }
}
