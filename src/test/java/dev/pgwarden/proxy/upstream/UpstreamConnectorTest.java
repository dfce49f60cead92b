package dev.pgwarden.proxy.upstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.pgwarden.config.GatewayConfig;
import dev.pgwarden.testing.FixtureUpstream;
import dev.pgwarden.testing.PostgresFixture;
import dev.pgwarden.wire.FrontendMessages;
import dev.pgwarden.wire.MessageFramer;
import dev.pgwarden.wire.MessageTypes;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;

/** The gateway's own upstream login against a real server: SCRAM, md5, failures. */
class UpstreamConnectorTest {
    private static Vertx vertx;
    private static PostgresFixture pg;

    @BeforeAll
    static void start() {
        vertx = Vertx.vertx();
        pg = PostgresFixture.shared();
    }

    @AfterAll
    static void stop() {
        vertx.close();
    }

    private static GatewayConfig.Upstream upstream(int port, String user, String password) {
        return upstream(port, user, password, Duration.ofSeconds(5));
    }

    private static GatewayConfig.Upstream upstream(int port, String user, String password, Duration timeout) {
        return FixtureUpstream.of(pg, port, user, password, timeout, 4);
    }

    private static UpstreamSession connect(GatewayConfig.Upstream cfg, String role) throws Exception {
        UpstreamConnector c = new UpstreamConnector(vertx, cfg, UpstreamCredentials.from(cfg), 1 << 20);
        return c.connect(role, Map.of("application_name", "connector-test"))
                .toCompletionStage().toCompletableFuture().get(15, TimeUnit.SECONDS);
    }

    /** Runs one query on an established session and returns the first column of the first row. */
    private static String queryOne(UpstreamSession s, String sql) throws Exception {
        Promise<String> result = Promise.promise();
        MessageFramer framer = s.framer();
        String[] value = new String[1];
        s.socket().handler(chunk -> framer.feed(chunk, (type, buf, start, end) -> {
            if (type == MessageTypes.DATA_ROW && value[0] == null) {
                int len = buf.getInt(start + 7);
                value[0] = buf.getString(start + 11, start + 11 + len, StandardCharsets.UTF_8.name());
            } else if (type == MessageTypes.READY_FOR_QUERY) {
                result.tryComplete(value[0]);
            }
            return true;
        }));
        s.socket().write(FrontendMessages.query(sql));
        return result.future().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    /** The fixture's pg_hba.conf demands scram-sha-256 for this login, so success proves SCRAM. */
    @Test
    void scramLoginThenSetRole() throws Exception {
        UpstreamSession s = connect(upstream(pg.port(), PostgresFixture.GATEWAY_USER, PostgresFixture.GATEWAY_PASSWORD),
                "analyst_ro");
        try {
            assertEquals("analyst_ro", queryOne(s, "SELECT current_user"));
            assertEquals(PostgresFixture.GATEWAY_USER, queryOne(s, "SELECT session_user"));
            assertEquals("connector-test", queryOne(s, "SHOW application_name"));
            assertTrue(s.processId() > 0);
            assertEquals(4, s.secretKey().length);
            assertTrue(s.parameters().containsKey("server_version"));
        } finally {
            s.socket().close();
        }
    }

    /** What a read-only role mapping does at login: PostgreSQL itself then refuses writes. */
    @Test
    void aReadOnlyLoginStaysReadOnlyWhateverTheClientAsked() throws Exception {
        GatewayConfig.Upstream cfg = upstream(pg.port(), PostgresFixture.GATEWAY_USER, PostgresFixture.GATEWAY_PASSWORD);
        UpstreamConnector c = new UpstreamConnector(vertx, cfg, UpstreamCredentials.from(cfg), 1 << 20);
        // default_transaction_read_only is a startup parameter clients may send; the gateway's value wins
        UpstreamSession s = c.connect("analyst_ro", true, Map.of("Default_Transaction_Read_Only", "off"))
                .toCompletionStage().toCompletableFuture().get(15, TimeUnit.SECONDS);
        try {
            assertEquals("on", s.parameters().get("default_transaction_read_only"), "reported to the client too");
            assertEquals("analyst_ro", queryOne(s, "SELECT current_user"));
            assertEquals("on", queryOne(s, "SHOW transaction_read_only"));
            assertEquals("25006", errorOf(s, "SELECT nextval('customers_id_seq')"));
            assertEquals("25006", errorOf(s, "INSERT INTO items VALUES (424242, 'x')"));
            queryOne(s, "RESET default_transaction_read_only");
            assertEquals("on", queryOne(s, "SHOW default_transaction_read_only"), "RESET returns to the login value");
        } finally {
            s.socket().close();
        }
        UpstreamSession plain = c.connect("analyst_ro", false, Map.of("default_transaction_read_only", "off"))
                .toCompletionStage().toCompletableFuture().get(15, TimeUnit.SECONDS);
        try {
            assertEquals("off", queryOne(plain, "SHOW transaction_read_only"));
        } finally {
            plain.socket().close();
        }
    }

    /** Runs one query and returns the SQLSTATE of its error (null when it succeeded). */
    private static String errorOf(UpstreamSession s, String sql) throws Exception {
        Promise<String> result = Promise.promise();
        MessageFramer framer = s.framer();
        String[] state = new String[1];
        s.socket().handler(chunk -> framer.feed(chunk, (type, buf, start, end) -> {
            if (type == MessageTypes.ERROR_RESPONSE) {
                state[0] = dev.pgwarden.wire.PgError.parse(buf, start, end).sqlState();
            } else if (type == MessageTypes.READY_FOR_QUERY) {
                result.tryComplete(state[0]);
            }
            return true;
        }));
        s.socket().write(FrontendMessages.query(sql));
        return result.future().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @Test
    void md5Login() throws Exception {
        UpstreamSession s = connect(upstream(pg.port(), PostgresFixture.MD5_USER, PostgresFixture.MD5_PASSWORD),
                "support_ro");
        try {
            assertEquals("support_ro", queryOne(s, "SELECT current_user"));
            assertEquals(PostgresFixture.MD5_USER, queryOne(s, "SELECT session_user"));
        } finally {
            s.socket().close();
        }
    }

    @Test
    void wrongPasswordIsReportedWithoutTheCredential() {
        String secret = "definitely-wrong-password";
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> connect(upstream(pg.port(), PostgresFixture.GATEWAY_USER, secret), "analyst_ro"));
        UpstreamFailure f = assertInstanceOf(UpstreamFailure.class, e.getCause());
        assertEquals("08006", f.sqlState());
        assertTrue(f.getMessage().contains("refused the gateway's connection"), f.getMessage());
        assertFalse(f.getMessage().contains(secret));
    }

    @Test
    void aRoleTheGatewayLoginIsNotGrantedIsRefused() {
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> connect(upstream(pg.port(), PostgresFixture.GATEWAY_USER, PostgresFixture.GATEWAY_PASSWORD),
                        "postgres"));
        UpstreamFailure f = assertInstanceOf(UpstreamFailure.class, e.getCause());
        assertEquals("28000", f.sqlState());
    }

    @Test
    void aDeadUpstreamGives08006NamingNoCredential() throws Exception {
        int dead;
        try (ServerSocket s = new ServerSocket(0)) {
            dead = s.getLocalPort();
        }
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> connect(upstream(dead, PostgresFixture.GATEWAY_USER, PostgresFixture.GATEWAY_PASSWORD), "analyst_ro"));
        UpstreamFailure f = assertInstanceOf(UpstreamFailure.class, e.getCause());
        assertEquals("08006", f.sqlState());
        assertTrue(f.getMessage().contains("unavailable"), f.getMessage());
        assertFalse(f.getMessage().contains(PostgresFixture.GATEWAY_PASSWORD));
    }

    @Test
    void anUpstreamThatNeverAnswersTimesOut() throws Exception {
        try (ServerSocket silent = new ServerSocket(0)) {
            GatewayConfig.Upstream quick = upstream(silent.getLocalPort(), "x", "y", Duration.ofSeconds(1));
            ExecutionException e = assertThrows(ExecutionException.class, () -> connect(quick, "analyst_ro"));
            assertInstanceOf(UpstreamFailure.class, e.getCause());
            assertTrue(e.getCause().getMessage().contains("did not answer"), e.getCause().getMessage());
        }
    }

    @Test
    void sideQueriesRunInOrderUnderTheRoleAndReportErrors() throws Exception {
        GatewayConfig.Upstream cfg = upstream(pg.port(), PostgresFixture.GATEWAY_USER, PostgresFixture.GATEWAY_PASSWORD);
        UpstreamConnector connector = new UpstreamConnector(vertx, cfg, UpstreamCredentials.from(cfg), 1 << 20);
        io.vertx.core.Context ctx = vertx.getOrCreateContext();
        java.util.concurrent.CompletableFuture<java.util.List<Object>> results = new java.util.concurrent.CompletableFuture<>();
        ctx.runOnContext(v -> {
            SideQueryClient side = new SideQueryClient(connector, "analyst_ro");
            var a = side.query("SELECT current_user, NULL::text, 'x'");
            var b = side.query("SELECT * FROM no_such_table");
            var c = side.query("SELECT count(*) FROM customers");
            io.vertx.core.Future.join(a, b, c).onComplete(all -> {
                results.complete(java.util.List.of(a.result(), b.cause(), c.result()));
                side.close();
            });
        });
        java.util.List<Object> r = results.get(15, TimeUnit.SECONDS);
        assertEquals(java.util.Arrays.asList("analyst_ro", null, "x"), ((java.util.List<?>) r.get(0)).get(0));
        SideQueryClient.SideQueryFailure failure = assertInstanceOf(SideQueryClient.SideQueryFailure.class, r.get(1));
        assertEquals("42P01", failure.pgError().sqlState());
        assertEquals(java.util.List.of(java.util.List.of(String.valueOf(PostgresFixture.CUSTOMER_COUNT))), r.get(2),
                "the connection stays usable after an error");
    }

    @Test
    void credentialsNeverPrintTheirPassword() {
        UpstreamCredentials c = new UpstreamCredentials("gw", "s3cret".toCharArray());
        assertFalse(c.toString().contains("s3cret"));
    }
}
