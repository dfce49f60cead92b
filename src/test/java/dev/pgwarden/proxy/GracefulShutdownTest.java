package dev.pgwarden.proxy;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.pgwarden.app.GatewayServer;
import dev.pgwarden.testing.GatewayTestResource;
import dev.pgwarden.testing.PostgresFixture;
import dev.pgwarden.testing.RawPgClient;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * Graceful shutdown: new connections are refused first (57P01); idle sessions end with FATAL 57P01
 * at once, a session inside a transaction may finish it and ends when idle, one that does not is
 * ended when the grace period runs out.
 */
@QuarkusTest
@QuarkusTestResource(GatewayTestResource.class)
@TestProfile(ShutdownGraceProfile.class)
class GracefulShutdownTest {
    @Inject
    GatewayServer server;
    @Inject
    Sessions sessions;

    @Test
    void refusesNewConnectionsLetsTransactionsFinishThenEndsSessions() throws Exception {
        try (RawPgClient idle = session(); RawPgClient finishing = session(); RawPgClient stuck = session()) {
            run(finishing, "BEGIN");
            run(stuck, "BEGIN");
            assertEquals(3, sessions.openCount());
            assertEquals(2, sessions.busyCount(), "two sessions are inside a transaction");

            long start = System.nanoTime();
            CompletableFuture<Void> shutdown = CompletableFuture.runAsync(server::shutdown);
            awaitTrue(server::draining, Duration.ofSeconds(2), () -> "shutdown did not start");

            // 1. No new sessions: a new connection gets 57P01; readiness is DOWN.
            try (RawPgClient late = new RawPgClient("127.0.0.1", GatewayTestResource.gatewayPort())) {
                late.soTimeout(5_000);
                List<RawPgClient.Message> answer = late.login("agent-7", PostgresFixture.DATABASE,
                        GatewayTestResource.token("agent-7", "analysts"));
                assertEquals("57P01", answer.get(answer.size() - 1).sqlState(), answer.toString());
            }
            given().when().get("/q/health/ready").then().statusCode(503);

            // 2. The idle session is ended with FATAL 57P01.
            assertEndedWith57P01(idle);

            // 3. A session inside a transaction can finish it; once idle it is ended too.
            assertEquals('Z', run(finishing, "SELECT count(*) FROM customers").type());
            assertEquals('Z', run(finishing, "COMMIT").type());
            assertEndedWith57P01(finishing);
            assertFalse(shutdown.isDone(), "the open transaction holds shutdown until the grace runs out");
            awaitTrue(() -> sessions.openCount() == 1, Duration.ofSeconds(2), () -> "open: " + sessions.openCount());

            // 4. The stuck transaction is ended when the grace period runs out.
            shutdown.get(30, TimeUnit.SECONDS);
            long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            long graceMs = Duration.parse(ShutdownGraceProfile.GRACE).toMillis();
            assertTrue(elapsedMs >= graceMs - 500, "waited for the grace period (" + elapsedMs + " ms)");
            assertEndedWith57P01(stuck);
            awaitTrue(() -> sessions.openCount() == 0, Duration.ofSeconds(2), () -> "sessions left: " + sessions.openCount());
        }
    }

    private static RawPgClient session() throws IOException {
        RawPgClient c = new RawPgClient("127.0.0.1", GatewayTestResource.gatewayPort());
        c.soTimeout(10_000);
        List<RawPgClient.Message> login = c.login("agent-7", PostgresFixture.DATABASE,
                GatewayTestResource.token("agent-7", "analysts"));
        assertEquals('Z', login.get(login.size() - 1).type(), login.toString());
        return c;
    }

    /** Runs a simple query; returns its last message (ReadyForQuery, or the error that ended the session). */
    private static RawPgClient.Message run(RawPgClient c, String sql) throws IOException {
        c.send(RawPgClient.query(sql));
        List<RawPgClient.Message> messages = c.readUntilReady();
        for (RawPgClient.Message m : messages) {
            if (m.type() == 'E') {
                fail(sql + ": " + m.field('M'));
            }
        }
        return messages.get(messages.size() - 1);
    }

    /** The server's next message is FATAL 57P01, then it closes the connection. */
    private static void assertEndedWith57P01(RawPgClient c) throws IOException {
        RawPgClient.Message m = c.read();
        assertEquals('E', m.type());
        assertEquals("FATAL", m.field('V'));
        assertEquals("57P01", m.sqlState(), m.field('M'));
        assertTrue(c.closedByServer());
    }

    private static void awaitTrue(BooleanSupplier condition, Duration timeout, Supplier<String> message)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail(message.get());
            }
            Thread.sleep(20);
        }
    }
}
