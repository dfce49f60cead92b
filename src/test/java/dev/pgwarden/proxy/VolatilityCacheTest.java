package dev.pgwarden.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.pgwarden.config.GatewayConfig;
import dev.pgwarden.sql.FunctionName;
import dev.pgwarden.sql.TableName;
import dev.pgwarden.sql.Truth;
import dev.pgwarden.policy.VolatilityCatalog;
import dev.pgwarden.proxy.upstream.SideQueryClient;
import dev.pgwarden.proxy.upstream.UpstreamConnector;
import dev.pgwarden.proxy.upstream.UpstreamCredentials;
import dev.pgwarden.testing.FixtureUpstream;
import dev.pgwarden.testing.PostgresFixture;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

/**
 * The volatility snapshot read from a real PostgreSQL 15 catalog by the gateway's own (unprivileged) login, on a
 * side connection as the gateway runs it: built-ins, and user objects of every kind the snapshot follows.
 */
class VolatilityCacheTest {
    private static final String SCHEMA = "volcache";
    private static Vertx vertx;
    private static SideQueryClient side;
    private static VolatilityCache cache;

    @BeforeAll
    static void start() throws Exception {
        PostgresFixture pg = PostgresFixture.shared();
        pg.execute("DROP SCHEMA IF EXISTS " + SCHEMA + " CASCADE");
        try (java.sql.Connection c = pg.superuserConnection(); java.sql.Statement st = c.createStatement()) {
            for (String sql : new String[] {
                    "CREATE SCHEMA volcache",
                    "CREATE SEQUENCE volcache.seq",
                    "CREATE FUNCTION volcache.writes() RETURNS int LANGUAGE plpgsql AS 'BEGIN RETURN 1; END'",
                    "CREATE FUNCTION volcache.reads() RETURNS int STABLE LANGUAGE sql AS 'SELECT 1'",
                    "CREATE FUNCTION volcache.twice(int) RETURNS int IMMUTABLE LANGUAGE sql AS 'SELECT $1 * 2'",
                    "CREATE FUNCTION volcache.twice(text) RETURNS text VOLATILE LANGUAGE sql AS 'SELECT $1 || $1'",
                    "CREATE FUNCTION volcache.sneaky() RETURNS bigint STABLE LANGUAGE sql BEGIN ATOMIC SELECT nextval('volcache.seq'); END",
                    "CREATE FUNCTION volcache.add_next(int, int) RETURNS int LANGUAGE sql AS 'SELECT $1 + $2'",
                    "CREATE AGGREGATE volcache.total(int) (SFUNC = volcache.add_next, STYPE = int)",
                    "CREATE OPERATOR volcache.<~~> (LEFTARG = int, RIGHTARG = int, FUNCTION = volcache.add_next)",
                    "CREATE VIEW volcache.next_ids AS SELECT nextval('volcache.seq') AS id",
                    "CREATE VIEW volcache.via_view AS SELECT * FROM volcache.next_ids",
                    "CREATE VIEW volcache.samples AS SELECT random() AS r, now() AS t",
                    "CREATE VIEW volcache.calls_writes AS SELECT volcache.writes() AS w",
                    "CREATE MATERIALIZED VIEW volcache.frozen AS SELECT nextval('volcache.seq') AS id",
                    "CREATE TABLE volcache.watched (id int)",
                    "ALTER TABLE volcache.watched ENABLE ROW LEVEL SECURITY",
                    "CREATE POLICY p ON volcache.watched USING (volcache.writes() = 1)",
                    "CREATE TABLE volcache.plain (id int)",
            }) {
                st.execute(sql);
            }
        }
        vertx = Vertx.vertx();
        GatewayConfig.Upstream cfg = upstream(pg);
        UpstreamConnector connector = new UpstreamConnector(vertx, cfg, UpstreamCredentials.from(cfg), 1 << 20);
        Context context = vertx.getOrCreateContext();
        side = new SideQueryClient(connector, null); // the gateway's own login, as ListenerVerticle uses it
        cache = new VolatilityCache(side, context);
        await(cache.reload());
    }

    @AfterAll
    static void stop() {
        PostgresFixture.shared().execute("DROP SCHEMA IF EXISTS " + SCHEMA + " CASCADE");
        vertx.close();
    }

    private static GatewayConfig.Upstream upstream(PostgresFixture pg) {
        return FixtureUpstream.of(pg);
    }

    private static <T> T await(Future<T> f) throws Exception {
        return f.toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
    }

    private static Truth fn(String schema, String name) {
        return cache.snapshot().function(new FunctionName(schema, name)).changes();
    }

    private static Truth rel(String name) {
        return cache.snapshot().relation(new TableName(SCHEMA, name)).changes();
    }

    @Test
    void postgresOwnFunctions() {
        for (String name : new String[] {"nextval", "setval", "lo_create", "lo_from_bytea", "lo_put", "lo_unlink",
                "pg_notify", "set_config", "pg_advisory_lock", "pg_try_advisory_xact_lock", "txid_current",
                "pg_current_xact_id", "pg_sleep", "setseed", "pg_terminate_backend", "pg_stat_reset"}) {
            assertEquals(Truth.YES, fn(null, name), name);
        }
        for (String name : new String[] {"random", "clock_timestamp", "timeofday", "gen_random_uuid", "now",
                "current_setting", "lower", "count", "string_agg", "pg_relation_size", "coalesce"}) {
            assertEquals(Truth.NO, fn(null, name), name);
        }
        assertEquals(Truth.UNKNOWN, fn(null, "no_such_function"));
        assertEquals(Truth.NO, cache.snapshot().relation(new TableName("public", "customers")).changes());
        assertEquals(Truth.NO, cache.snapshot().relation(new TableName("public", "pg_locks")).changes(),
                "PostgreSQL's own views only report state");
        assertEquals(Truth.NO, cache.snapshot().operator("=").changes());
    }

    @Test
    void userFunctionsAggregatesAndOperators() {
        assertEquals(Truth.YES, fn(SCHEMA, "writes"), "functions are volatile unless declared otherwise");
        assertEquals(Truth.NO, fn(SCHEMA, "reads"));
        assertEquals(Truth.YES, fn(SCHEMA, "twice"), "one volatile overload is enough");
        assertEquals("volcache.sneaky() calls nextval(), which is volatile",
                cache.snapshot().function(new FunctionName(SCHEMA, "sneaky")).why(),
                "a BEGIN ATOMIC body is read from prosqlbody");
        assertEquals("volcache.total() calls volcache.add_next(), which is volatile",
                cache.snapshot().function(new FunctionName(SCHEMA, "total")).why(),
                "an aggregate runs its transition function");
        assertEquals("operator <~~> calls volcache.add_next(), which is volatile",
                cache.snapshot().operator("<~~>").why());
    }

    @Test
    void relationsThatRunVolatileFunctionsWhenRead() {
        assertEquals(Truth.YES, rel("next_ids"));
        assertEquals(Truth.YES, rel("via_view"), "a view reading such a view");
        assertEquals(Truth.YES, rel("calls_writes"));
        assertEquals(Truth.YES, rel("watched"), "a row-level security policy runs on every read");
        assertEquals(Truth.NO, rel("samples"), "random() and now() change nothing");
        assertEquals(Truth.NO, rel("frozen"), "reading a materialized view runs nothing");
        assertEquals(Truth.NO, rel("plain"));
        assertEquals(Truth.NO, rel("seq"));
    }

    @Test
    void theVersionFollowsTheContentAndUnknownNamesMayReloadEveryTwoSeconds() throws Exception {
        long before = cache.snapshot().version();
        assertEquals(before, await(cache.reload()).version(), "same catalog, same version");
        PostgresFixture.shared().execute("CREATE FUNCTION volcache.created_later() RETURNS int STABLE "
                + "LANGUAGE sql AS 'SELECT 1'");
        assertNull(await(cache.reloadForUnknownName()), "read less than 2 s ago: no second read");
        assertEquals(Truth.UNKNOWN, fn(SCHEMA, "created_later"));
        VolatilityCatalog fresh = await(cache.reload());
        assertNotEquals(before, fresh.version());
        assertEquals(Truth.NO, fn(SCHEMA, "created_later"));
        assertTrue(fresh.loaded());
    }
}
