package dev.pgwarden.gate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.pgwarden.config.GatewayConfig;
import dev.pgwarden.proxy.upstream.SideQueryClient;
import dev.pgwarden.proxy.upstream.UpstreamConnector;
import dev.pgwarden.proxy.upstream.UpstreamCredentials;
import dev.pgwarden.testing.FixtureUpstream;
import dev.pgwarden.testing.PostgresFixture;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

/**
 * Planner questions of several sessions under one role run side by side on up to {@code perRole}
 * connections (a real PostgreSQL): a slow EXPLAIN no longer holds up the next session's.
 */
class SideConnectionsTest {
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

    private static GatewayConfig.Upstream upstream() {
        return FixtureUpstream.of(pg, pg.port(), PostgresFixture.GATEWAY_USER, PostgresFixture.GATEWAY_PASSWORD,
                Duration.ofSeconds(5), 2);
    }

    /** Runs {@code action} on the event loop that owns the side connections, and waits for it. */
    private static <T> T onLoop(Context loop, Supplier<T> action) throws Exception {
        CompletableFuture<T> result = new CompletableFuture<>();
        loop.runOnContext(v -> {
            try {
                result.complete(action.get());
            } catch (RuntimeException e) {
                result.completeExceptionally(e);
            }
        });
        return result.get(10, TimeUnit.SECONDS);
    }

    private static String value(Future<List<List<String>>> rows) throws Exception {
        return rows.toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS).get(0).get(0);
    }

    @Test
    void aSecondQuestionDoesNotWaitBehindASlowOneAndTheConnectionsStayBounded() throws Exception {
        GatewayConfig.Upstream cfg = upstream();
        UpstreamConnector connector = new UpstreamConnector(vertx, cfg, UpstreamCredentials.from(cfg), 1 << 20);
        Context loop = vertx.getOrCreateContext();
        SideConnections side = new SideConnections(connector, cfg.sideConnections());
        try {
            SideQueryClient first = onLoop(loop, () -> side.forRole(PostgresFixture.ANALYST_ROLE));
            Future<List<List<String>>> slow = onLoop(loop, () -> first.query("SELECT pg_sleep(3)::text"));
            SideQueryClient second = onLoop(loop, () -> side.forRole(PostgresFixture.ANALYST_ROLE));
            assertNotSame(first, second, "the first connection is busy: a second one is opened");
            Future<List<List<String>>> quick = onLoop(loop, () -> second.query("SELECT current_user::text"));
            assertEquals(PostgresFixture.ANALYST_ROLE, value(quick), "under the session's role");
            assertFalse(slow.isComplete(), "answered while the slow question still runs");

            assertSame(second, onLoop(loop, () -> side.forRole(PostgresFixture.ANALYST_ROLE)), "an idle one is reused");
            Future<List<List<String>>> busy = onLoop(loop, () -> second.query("SELECT pg_sleep(1)::text"));
            SideQueryClient third = onLoop(loop, () -> side.forRole(PostgresFixture.ANALYST_ROLE));
            assertTrue(third == first || third == second, "no more than two per role");
            value(slow);
            value(busy);
        } finally {
            onLoop(loop, () -> {
                side.close();
                return null;
            });
        }
    }
}
