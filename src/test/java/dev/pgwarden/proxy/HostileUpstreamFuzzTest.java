package dev.pgwarden.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.EOFException;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.pgwarden.testing.FuzzSeed;
import dev.pgwarden.testing.GatewayTestResource;
import dev.pgwarden.testing.LogCapture;
import dev.pgwarden.testing.PostgresFixture;
import dev.pgwarden.testing.RawPgClient;
import dev.pgwarden.testing.RawPgClient.Message;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * The backend direction: a gateway whose upstream is a broken server (mutated login messages,
 * results with one mutated message: lengths and counts that lie, truncation, strings without NUL,
 * flipped bits, oversize, random bytes). Each query must be answered, or the session ended with a
 * FATAL ErrorResponse and a close, within a bounded wait; nothing may escape to the log.
 * {@code -Dfuzz.seed=N} replays a run; {@code -Dfuzz.upstream-frames=N} sets how many mutated
 * server messages to send (default 2,000).
 */
@QuarkusTest
@QuarkusTestResource(GatewayTestResource.class)
@TestProfile(HostileUpstreamProfile.class)
class HostileUpstreamFuzzTest {
    private static final int READ_TIMEOUT_MS = 10_000;

    @Test
    void malformedServerMessagesEndTheSessionWithAnErrorNeverAnEscapedException() throws Exception {
        long seed = FuzzSeed.of(HostileUpstreamProfile.SUITE_SEED);
        long target = Long.getLong("fuzz.upstream-frames", 2_000);
        HostileUpstreamProfile.UPSTREAM.reseed(seed);
        System.out.println("HostileUpstreamFuzzTest: seed " + seed + " (replay with -Dfuzz.seed=" + seed + ")");
        String token = GatewayTestResource.token("fuzz-agent", "analysts");
        long started = System.nanoTime();
        long before = HostileUpstreamProfile.UPSTREAM.mutatedFrames();
        int sessions = 0;
        int ended = 0;
        int queries = 0;
        try (LogCapture log = LogCapture.install()) {
            while (HostileUpstreamProfile.UPSTREAM.mutatedFrames() - before < target) {
                sessions++;
                try (RawPgClient c = new RawPgClient("127.0.0.1", GatewayTestResource.gatewayPort())) {
                    c.soTimeout(READ_TIMEOUT_MS);
                    List<Message> login = c.login("fuzz-agent", PostgresFixture.DATABASE, token);
                    if (!endsTheSession(c, login, "login, seed " + seed + ", session " + sessions)) {
                        while (true) {
                            queries++;
                            try {
                                c.send(RawPgClient.query("SELECT 1"));
                            } catch (java.net.SocketException e) {
                                // A mutated ReadyForQuery ended the last read early: the gateway's
                                // FATAL and close came after it, unread, so the connection was reset.
                                break;
                            }
                            if (endsTheSession(c, c.readUntilReady(), "seed " + seed + ", session " + sessions)) {
                                break;
                            }
                        }
                    }
                    ended++;
                }
            }
            long millis = (System.nanoTime() - started) / 1_000_000;
            System.out.printf("HostileUpstreamFuzzTest: seed %d: %d mutated server messages, %d sessions (%d ended by "
                    + "the gateway), %d queries, %d ms%n", seed, HostileUpstreamProfile.UPSTREAM.mutatedFrames() - before,
                    sessions, ended, queries, millis);
            Thread.sleep(500);
            assertEquals(List.of(), log.problems().stream().limit(20).toList(),
                    "seed " + seed + ": the log shows exceptions that escaped or were caught untyped");
        }
    }

    /**
     * True when the messages end in a FATAL ErrorResponse followed by the close; false when they
     * end in ReadyForQuery (the query was answered). Anything else is a failure.
     */
    private static boolean endsTheSession(RawPgClient c, List<Message> reply, String where) throws IOException {
        assertTrue(!reply.isEmpty(), where + ": the connection closed without an ErrorResponse");
        Message last = reply.get(reply.size() - 1);
        if (last.type() == 'Z') {
            return false;
        }
        assertEquals('E', last.type(), where + ": " + reply);
        assertEquals("FATAL", last.field('V'), where + ": " + last.field('M'));
        assertTrue(c.closedByServer(), where + ": FATAL " + last.field('M') + " but the connection stayed open");
        return true;
    }
}
