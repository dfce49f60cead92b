package dev.pgwarden.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Proves the fixture's cluster, schema, roles, auth methods and CLI helpers work. */
class PostgresFixtureTest {

    private static PostgresFixture pg;

    @BeforeAll
    static void start() {
        pg = PostgresFixture.shared();
    }

    @Test
    void sharedIsASingletonEvenUnderConcurrentFirstUse() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<CompletableFuture<PostgresFixture>> all = IntStream.range(0, 8)
                    .mapToObj(i -> CompletableFuture.supplyAsync(PostgresFixture::shared, pool))
                    .toList();
            for (CompletableFuture<PostgresFixture> f : all) {
                assertSame(pg, f.get());
            }
        } finally {
            pool.shutdownNow();
        }
        assertTrue(pg.isRunning());
        assertEquals("127.0.0.1", pg.host());
        assertEquals("shop", pg.database());
    }

    @Test
    void gatewayUserLogsInWithScram() throws SQLException {
        try (Connection c = pg.connect(PostgresFixture.GATEWAY_USER, PostgresFixture.GATEWAY_PASSWORD)) {
            assertEquals(PostgresFixture.GATEWAY_USER, single(c, "SELECT current_user"));
        }
        assertEquals("SCRAM-SHA-256",
                pg.queryForString("SELECT split_part(rolpassword, '$', 1) FROM pg_authid WHERE rolname = 'pgwarden_gw'"));
    }

    @Test
    void md5UserLogsInWithMd5() throws SQLException {
        try (Connection c = pg.connect(PostgresFixture.MD5_USER, PostgresFixture.MD5_PASSWORD)) {
            assertEquals(PostgresFixture.MD5_USER, single(c, "SELECT current_user"));
        }
        assertEquals("md5", pg.queryForString("SELECT left(rolpassword, 3) FROM pg_authid WHERE rolname = 'pgwarden_md5'"));
        assertEquals("md5", pg.queryForString(
                "SELECT auth_method FROM pg_hba_file_rules WHERE 'pgwarden_md5' = ANY(user_name)"));
    }

    @Test
    void wrongPasswordIsRejected() {
        SQLException e = assertThrows(SQLException.class,
                () -> pg.connect(PostgresFixture.GATEWAY_USER, "not-the-password").close());
        assertEquals("28P01", e.getSQLState());
    }

    @Test
    void analystRoleCanReadRealisticCustomers() throws SQLException {
        try (Connection c = pg.connect(PostgresFixture.GATEWAY_USER, PostgresFixture.GATEWAY_PASSWORD);
                Statement s = c.createStatement()) {
            s.execute("SET ROLE analyst_ro");
            assertEquals("100", single(c, "SELECT count(*) FROM customers"));
            assertEquals("1000", single(c, "SELECT count(*) FROM orders"));
            assertEquals("100", single(c, "SELECT count(DISTINCT customer_id) FROM orders"));
            try (ResultSet rs = s.executeQuery("SELECT name, email, ssn, card_number, birth_date, balance FROM customers")) {
                int rows = 0;
                while (rs.next()) {
                    rows++;
                    assertTrue(rs.getString("name").matches("[A-Z][a-z]+ [A-Z][a-z]+"), rs.getString("name"));
                    assertTrue(rs.getString("email").matches("[a-z]+\\.[a-z]+\\d+@example\\.(com|org|net)"));
                    assertTrue(rs.getString("ssn").matches("\\d{3}-\\d{2}-\\d{4}"), rs.getString("ssn"));
                    String card = rs.getString("card_number");
                    assertTrue(card.matches("(4\\d|5[1-5])\\d{14}"), card);
                    assertTrue(luhnValid(card), "Luhn check failed for " + card);
                    assertNotNull(rs.getDate("birth_date"));
                    assertNotNull(rs.getBigDecimal("balance"));
                }
                assertEquals(PostgresFixture.CUSTOMER_COUNT, rows);
            }
        }
    }

    @Test
    void analystRoleCannotWriteCustomers() throws SQLException {
        try (Connection c = pg.connect(PostgresFixture.GATEWAY_USER, PostgresFixture.GATEWAY_PASSWORD);
                Statement s = c.createStatement()) {
            s.execute("SET ROLE analyst_ro");
            SQLException e = assertThrows(SQLException.class,
                    () -> s.executeUpdate("INSERT INTO customers (name) VALUES ('Mallory')"));
            assertEquals("42501", e.getSQLState()); // insufficient_privilege
        }
    }

    @Test
    void noInheritMeansNoPrivilegesBeforeSetRole() throws SQLException {
        try (Connection c = pg.connect(PostgresFixture.GATEWAY_USER, PostgresFixture.GATEWAY_PASSWORD);
                Statement s = c.createStatement()) {
            SQLException e = assertThrows(SQLException.class, () -> s.executeQuery("SELECT 1 FROM customers LIMIT 1"));
            assertEquals("42501", e.getSQLState());
        }
    }

    @Test
    void supportRoleCanWriteOrdersAndBothRolesCanWriteItems() throws SQLException {
        try (Connection c = pg.connect(PostgresFixture.MD5_USER, PostgresFixture.MD5_PASSWORD);
                Statement s = c.createStatement()) {
            c.setAutoCommit(false);
            s.execute("SET LOCAL ROLE support_ro");
            assertEquals(1, s.executeUpdate("INSERT INTO orders (customer_id, amount) VALUES (1, 9.99)"));
            assertEquals(1, s.executeUpdate("UPDATE orders SET amount = 1 WHERE id = 1"));
            assertEquals(1, s.executeUpdate("INSERT INTO items VALUES (-1, 'x')"));
            s.execute("SET LOCAL ROLE analyst_ro");
            assertEquals(1, s.executeUpdate("INSERT INTO items VALUES (-2, 'y')"));
            c.rollback();
        }
    }

    @Test
    void psqlCountsCustomersOverTcp() {
        ProcessResult r = Psql.run(pg.host(), pg.port(), PostgresFixture.GATEWAY_USER, pg.database(),
                PostgresFixture.GATEWAY_PASSWORD, "SET ROLE analyst_ro; SELECT count(*) FROM customers").requireSuccess();
        assertEquals("100", lastLine(r.out()));
        assertFalse(String.join(" ", r.command()).contains(PostgresFixture.GATEWAY_PASSWORD));
    }

    @Test
    void psqlScriptStopsOnFirstError() {
        ProcessResult r = Psql.to(pg.target(PostgresFixture.MD5_USER, PostgresFixture.MD5_PASSWORD))
                .script("SET ROLE analyst_ro;\nSELECT 'before';\nINSERT INTO customers (name) VALUES ('x');\nSELECT 'after';\n");
        assertFalse(r.succeeded());
        assertTrue(r.stdout().contains("before"));
        assertFalse(r.stdout().contains("after"));
        assertTrue(r.stderr().contains("permission denied"), r.stderr());
    }

    @Test
    void psqlOverUnixSocketIsTrusted() {
        ProcessResult r = Psql.to(new PgTarget(pg.unixSocketDir().toString(), pg.port(), PostgresFixture.SUPERUSER,
                pg.database(), null)).command("SELECT current_setting('max_connections')").requireSuccess();
        assertEquals("200", r.out());
    }

    @Test
    void pgbenchRunsAgainstItsOwnDatabase() {
        pg.createDatabase("bench");
        PgTarget bench = pg.superuserTarget().withDatabase("bench");
        Pgbench.run(bench, "-i", "-s", "1", "-q").requireSuccess();
        ProcessResult r = Pgbench.run(bench, "-n", "-S", "-c", "2", "-t", "50").requireSuccess();
        assertTrue(r.out().contains("number of transactions actually processed: 100/100"), r.out());
    }

    @Test
    void serverIsConfiguredForFastDisposableTests() {
        assertEquals("off", pg.queryForString("SHOW fsync"));
        assertEquals("off", pg.queryForString("SHOW synchronous_commit"));
        assertEquals("off", pg.queryForString("SHOW full_page_writes"));
        assertEquals("128MB", pg.queryForString("SHOW shared_buffers"));
        assertEquals("127.0.0.1", pg.queryForString("SHOW listen_addresses"));
        assertEquals(pg.unixSocketDir().toString(), pg.queryForString("SHOW unix_socket_directories"));
        assertEquals("UTF8", pg.queryForString("SHOW server_encoding"));
        assertTrue(pg.queryForString("SELECT version()").startsWith("PostgreSQL 15."));
    }

    @Test
    void anotherClassLoaderAttachesToTheSameCluster() throws Exception {
        // What happens when @QuarkusTest classes load their own copy of this fixture.
        List<URL> urls = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
            urls.add(Path.of(entry).toUri().toURL());
        }
        try (URLClassLoader isolated = new URLClassLoader(urls.toArray(URL[]::new), ClassLoader.getPlatformClassLoader())) {
            Class<?> copy = isolated.loadClass(PostgresFixture.class.getName());
            assertFalse(copy == PostgresFixture.class);
            Object other = copy.getMethod("shared").invoke(null);
            Method port = copy.getMethod("port");
            Method password = copy.getMethod("superuserPassword");
            assertEquals(pg.port(), port.invoke(other));
            assertEquals(pg.superuserPassword(), password.invoke(other));
        }
    }

    @Test
    void privateClusterStopsAndCleansUp() {
        PostgresFixture own = PostgresFixture.startNew();
        Path dir = own.unixSocketDir();
        assertTrue(own.isRunning());
        assertEquals("100", own.queryForString("SELECT count(*) FROM customers"));
        own.stop();
        assertFalse(own.isRunning());
        assertFalse(Files.exists(dir));
        own.stop(); // idempotent
        assertTrue(pg.isRunning());
    }

    private static String single(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            assertTrue(rs.next());
            return rs.getString(1);
        }
    }

    private static String lastLine(String text) {
        String[] lines = text.split("\n");
        return lines[lines.length - 1];
    }

    private static boolean luhnValid(String digits) {
        int sum = 0;
        for (int i = 0; i < digits.length(); i++) {
            int d = digits.charAt(digits.length() - 1 - i) - '0';
            if (i % 2 == 1) {
                d *= 2;
                if (d > 9) {
                    d -= 9;
                }
            }
            sum += d;
        }
        return sum % 10 == 0;
    }
}
