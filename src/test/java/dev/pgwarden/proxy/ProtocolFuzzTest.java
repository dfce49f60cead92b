package dev.pgwarden.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import dev.pgwarden.testing.FuzzSeed;
import dev.pgwarden.testing.FuzzFrames;
import dev.pgwarden.testing.FuzzFrames.Frame;
import dev.pgwarden.testing.FuzzFrames.Mutation;
import dev.pgwarden.testing.GatewayTestResource;
import dev.pgwarden.testing.LogCapture;
import dev.pgwarden.testing.PostgresFixture;
import dev.pgwarden.testing.RawPgClient;
import dev.pgwarden.testing.RawPgClient.Message;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * Mutated frontend messages of every type through the real listener against the real PostgreSQL:
 * a logged-in session gets batches of well-formed messages with random content, each batch ending
 * in one message broken on purpose (lengths and counts that lie, truncation, strings without NUL,
 * flipped bits, oversize, random bytes), then Sync and a sentinel query. Each batch must end with
 * the sentinel's answer or with an ErrorResponse and a close, within a bounded wait; a clean
 * session answers {@code SELECT 1} after every batch; nothing in the log may show an exception that
 * escaped. Startup-phase packets (startup, SSLRequest, GSSENCRequest, CancelRequest, password and
 * SASL shapes) are mutated on connections of their own.
 *
 * <p>Seeded: {@code -Dfuzz.seed=N} replays a run (the seed is printed, and named in every
 * failure); {@code -Dfuzz.frames=N} sets how many frames to send (default 100,000).
 */
@QuarkusTest
@QuarkusTestResource(GatewayTestResource.class)
class ProtocolFuzzTest {
    /** The suite's seed: the one that first hit the malformed Bind behind a held Query (issue 12). */
    static final long SUITE_SEED = 1;

    private static final int MAX_MESSAGE_SIZE = 1_048_576; // GatewayTestResource's listen.max-message-size
    private static final int WORKERS = 3;
    private static final int READ_TIMEOUT_MS = 10_000;
    private static final HexFormat HEX = HexFormat.of();

    private final AtomicLong frames = new AtomicLong();
    private final AtomicLong batches = new AtomicLong();
    private final AtomicLong sessionsEnded = new AtomicLong();
    private final AtomicLong logins = new AtomicLong();
    private final AtomicLong probes = new AtomicLong();
    private final Map<Mutation, AtomicLong> mutations = new EnumMap<>(Mutation.class);
    private final AtomicBoolean stop = new AtomicBoolean();

    @Test
    void mutatedFrontendMessagesEndOnlyTheirSessionWithAnErrorOrAClose() throws Exception {
        long seed = FuzzSeed.of(SUITE_SEED);
        long target = Long.getLong("fuzz.frames", 100_000);
        for (Mutation m : Mutation.values()) {
            mutations.put(m, new AtomicLong());
        }
        System.out.println("ProtocolFuzzTest: seed " + seed + " (replay with -Dfuzz.seed=" + seed + ")");
        long started = System.nanoTime();
        try (LogCapture log = LogCapture.install()) {
            ExecutorService pool = Executors.newFixedThreadPool(WORKERS);
            List<Future<?>> running = new ArrayList<>();
            for (int w = 0; w < WORKERS; w++) {
                Worker worker = new Worker(seed, w, (target + WORKERS - 1) / WORKERS);
                running.add(pool.submit(() -> {
                    worker.run();
                    return null;
                }));
            }
            try {
                for (Future<?> f : running) {
                    try {
                        f.get();
                    } catch (java.util.concurrent.ExecutionException e) {
                        stop.set(true);
                        Throwable cause = e.getCause();
                        if (cause instanceof AssertionError a) {
                            throw a;
                        }
                        throw new AssertionError("seed " + seed + ": " + cause, cause);
                    }
                }
            } finally {
                pool.shutdownNow();
            }
            long millis = (System.nanoTime() - started) / 1_000_000;
            System.out.printf("ProtocolFuzzTest: seed %d: %d frames in %d batches and %d startup probes, %d logins, "
                    + "%d sessions ended by the gateway, %d ms; mutations %s%n", seed, frames.get(), batches.get(),
                    probes.get(), logins.get(), sessionsEnded.get(), millis, mutations);
            Thread.sleep(500); // log records of the last sessions' ends
            assertEquals(List.of(), log.problems().stream().limit(20).toList(),
                    "seed " + seed + ": the log shows exceptions that escaped or were caught untyped");
        }
        assertTrue(frames.get() >= target, "seed " + seed + ": sent " + frames.get() + " of " + target + " frames");
    }

    /** One client thread: its own seed, fuzzed session, clean session and startup probes. */
    private final class Worker {
        private final long seed;
        private final int index;
        private final long target;
        private final Random rnd;
        private final FuzzFrames gen;
        private final String token = GatewayTestResource.token("fuzz-agent", "analysts");
        private RawPgClient session;
        private RawPgClient clean;
        private long batch;

        Worker(long seed, int index, long target) {
            this.seed = seed;
            this.index = index;
            this.target = target;
            this.rnd = new Random(seed * 31 + index);
            this.gen = new FuzzFrames(rnd, MAX_MESSAGE_SIZE);
        }

        void run() throws Exception {
            clean = login();
            long sent = 0;
            try {
                while (sent < target && !stop.get()) {
                    batch++;
                    sent += rnd.nextInt(10) == 0 ? startupProbe() : afterLoginBatch();
                    cleanSessionAnswers();
                }
            } finally {
                clean.close();
                if (session != null) {
                    session.close();
                }
            }
        }

        private String where() {
            return "seed " + seed + ", worker " + index + ", batch " + batch;
        }

        private RawPgClient login() throws IOException {
            RawPgClient c = new RawPgClient("127.0.0.1", GatewayTestResource.gatewayPort());
            c.soTimeout(READ_TIMEOUT_MS);
            List<Message> reply = c.login("fuzz-agent", PostgresFixture.DATABASE, token);
            logins.incrementAndGet();
            assertEquals('Z', reply.get(reply.size() - 1).type(), where() + ": login " + reply);
            return c;
        }

        private void cleanSessionAnswers() throws IOException {
            clean.send(RawPgClient.query("SELECT 1"));
            List<Message> reply = clean.readUntilReady();
            assertTrue(reply.stream().anyMatch(m -> m.type() == 'D' && text(m).equals("1")),
                    where() + ": the clean session no longer answers SELECT 1: " + reply);
        }

        /** Well-formed frames with random content, one last frame broken (or not), then Sync and a sentinel. */
        private int afterLoginBatch() throws IOException {
            if (session == null) {
                session = login();
            }
            int count = 20 + rnd.nextInt(100);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            for (int i = 0; i < count - 1; i++) {
                char type = FuzzFrames.AFTER_LOGIN.charAt(rnd.nextInt(FuzzFrames.AFTER_LOGIN.length()));
                var msg = gen.afterLogin(type);
                Frame f = rnd.nextInt(3) == 0 ? gen.content(msg) : gen.plain(msg);
                mutations.get(f.mutation()).incrementAndGet();
                out.writeBytes(f.bytes());
            }
            String lastTypes = FuzzFrames.AFTER_LOGIN + "X";
            var last = gen.afterLogin(lastTypes.charAt(rnd.nextInt(lastTypes.length())));
            Frame probe = rnd.nextInt(4) == 0 ? gen.structural(last) : gen.content(last);
            mutations.get(probe.mutation()).incrementAndGet();
            out.writeBytes(probe.bytes());
            Framing framing = completeTyped(out.toByteArray());
            long marker = 1_000_000_000L + (rnd.nextLong() & 0xfffffffL);
            byte[] sentinel = concat(RawPgClient.typed('S', new byte[0]), RawPgClient.query("SELECT " + marker));
            byte[] bytes = concat(framing.bytes, sentinel);
            batches.incrementAndGet();
            frames.addAndGet(count);
            session.send(bytes);
            Outcome o = outcome(session, Long.toString(marker), bytes);
            if (o != Outcome.ANSWERED) {
                sessionsEnded.incrementAndGet();
                session.close();
                session = null;
                if (!probe.structural() && !framing.terminated && last.type() != 'X') {
                    fail(where() + ": well-formed messages ended the session (" + o + "): " + hex(bytes));
                }
                if (o == Outcome.CLOSED && !framing.terminated && !framing.badHeader) {
                    fail(where() + ": the session was closed without an ErrorResponse: " + hex(bytes));
                }
            }
            return count;
        }

        /** A connection of its own for one startup-phase packet (and a password message after it). */
        private int startupProbe() throws IOException {
            probes.incrementAndGet();
            int sentFrames = 0;
            try (RawPgClient c = new RawPgClient("127.0.0.1", GatewayTestResource.gatewayPort())) {
                c.soTimeout(READ_TIMEOUT_MS);
                var msg = switch (rnd.nextInt(4)) {
                    case 0 -> gen.sslRequest();
                    case 1 -> gen.cancelRequest();
                    default -> gen.startup(rnd.nextInt(4) == 0 ? "x" : "fuzz-agent",
                            rnd.nextInt(8) == 0 ? "other" : PostgresFixture.DATABASE);
                };
                boolean passwordNext = rnd.nextBoolean();
                Frame f = switch (rnd.nextInt(3)) {
                    case 0 -> gen.plain(msg);
                    case 1 -> gen.content(msg);
                    default -> gen.structural(msg);
                };
                mutations.get(f.mutation()).incrementAndGet();
                byte[] bytes = completeUntyped(f.bytes());
                if (rnd.nextInt(8) == 0) {
                    bytes = concat(bytes, RawPgClient.startupPacket(3, 0, Map.of("user", "x", "database", "y")));
                }
                c.send(bytes);
                sentFrames++;
                int first = readFirst(c, bytes);
                if (first == 'R' && passwordNext) {
                    Frame p = rnd.nextBoolean() ? gen.structural(gen.password(token)) : gen.content(gen.password(token));
                    mutations.get(p.mutation()).incrementAndGet();
                    byte[] pw = completeTyped(p.bytes()).bytes;
                    c.send(pw);
                    sentFrames++;
                    outcome(c, null, pw);
                }
            }
            frames.addAndGet(sentFrames);
            return sentFrames;
        }

        /**
         * The first answer to a startup-phase packet: a one-byte answer to SSLRequest/GSSENCRequest,
         * an authentication request, an ErrorResponse and a close, or just a close (CancelRequest).
         */
        private int readFirst(RawPgClient c, byte[] sent) throws IOException {
            int b;
            try {
                b = c.readByte();
            } catch (SocketTimeoutException e) {
                throw new AssertionError(where() + ": no answer to a startup packet: " + hex(sent));
            }
            if (b < 0 || b == 'S' || b == 'N') {
                return b;
            }
            if (b == 'E' || b == 'R' || b == 'v') {
                skipBody(c);
                return b == 'v' ? readFirst(c, sent) : b; // NegotiateProtocolVersion comes before 'R'
            }
            throw new AssertionError(where() + ": unexpected answer " + b + " to a startup packet: " + hex(sent));
        }

        private void skipBody(RawPgClient c) throws IOException {
            int length = 0;
            for (int i = 0; i < 4; i++) {
                int b = c.readByte();
                if (b < 0) {
                    return;
                }
                length = length << 8 | b;
            }
            for (int i = 4; i < length; i++) {
                if (c.readByte() < 0) {
                    return;
                }
            }
        }

        private String hex(byte[] bytes) {
            String h = HEX.formatHex(bytes, 0, Math.min(bytes.length, 1024));
            return bytes.length > 1024 ? h + "... (" + bytes.length + " bytes)" : h;
        }
    }

    private enum Outcome { ANSWERED, ENDED_WITH_ERROR, CLOSED }

    /**
     * Reads until the sentinel's ReadyForQuery ({@code marker} null: until login completes) or the
     * end of the connection; a FATAL ErrorResponse must be followed by the close.
     */
    private static Outcome outcome(RawPgClient c, String marker, byte[] sent) throws IOException {
        boolean sentinelSeen = false;
        boolean errorSeen = false;
        while (true) {
            Message m;
            try {
                m = c.read();
            } catch (EOFException e) {
                return errorSeen ? Outcome.ENDED_WITH_ERROR : Outcome.CLOSED;
            } catch (SocketTimeoutException e) {
                throw new AssertionError("no answer within " + READ_TIMEOUT_MS + " ms (a hang) to: "
                        + HEX.formatHex(sent, 0, Math.min(sent.length, 1024)));
            } catch (IOException e) {
                return errorSeen ? Outcome.ENDED_WITH_ERROR : Outcome.CLOSED; // reset by the server
            }
            if (m.type() == 'E' && ("FATAL".equals(m.field('V')) || "PANIC".equals(m.field('V')))) {
                errorSeen = true;
                if (!c.closedByServer()) {
                    throw new AssertionError("FATAL " + m.sqlState() + " " + m.field('M')
                            + " but the connection stayed open");
                }
                return Outcome.ENDED_WITH_ERROR;
            }
            if (m.type() == 'D' && marker != null && text(m).equals(marker)) {
                sentinelSeen = true;
            }
            if (m.type() == 'Z' && (marker == null || sentinelSeen)) {
                return Outcome.ANSWERED;
            }
        }
    }

    /** The first column of a DataRow as text. */
    private static String text(Message m) {
        ByteBuffer b = ByteBuffer.wrap(m.body());
        if (b.remaining() < 6 || b.getShort() < 1) {
            return "";
        }
        int len = b.getInt();
        return len < 0 || len > b.remaining() ? "" : new String(m.body(), 6, len, StandardCharsets.UTF_8);
    }

    /** The bytes to send, completed so the gateway never waits for more; what its framing will see. */
    private record Framing(byte[] bytes, boolean terminated, boolean badHeader) {
    }

    /**
     * Frames the stream as the gateway will (type, length, body) and completes a frame whose length
     * promises more bytes than were sent with zeros, as a client would eventually send them: the
     * gateway then judges every frame instead of waiting, as it may, for the rest.
     */
    private static Framing completeTyped(byte[] stream) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(stream);
        int pos = 0;
        while (true) {
            byte[] s = out.toByteArray();
            if (pos == s.length) {
                return new Framing(s, false, false);
            }
            if (s.length - pos < 5) {
                out.writeBytes(new byte[5 - (s.length - pos)]);
                continue;
            }
            int declared = ByteBuffer.wrap(s, pos + 1, 4).getInt();
            if (declared < 4 || declared > MAX_MESSAGE_SIZE) {
                return new Framing(s, false, true); // refused from the header: the session ends here
            }
            int end = pos + 1 + declared;
            if (end > s.length) {
                out.writeBytes(new byte[end - s.length]);
            }
            if (s[pos] == 'X') {
                return new Framing(out.toByteArray(), true, false); // Terminate, once whole, ends the session
            }
            pos = end;
        }
    }

    /** The same for one untyped startup-phase packet (length 8..10,000 as PostgreSQL allows). */
    private static byte[] completeUntyped(byte[] packet) {
        if (packet.length < 4) {
            return concat(packet, new byte[4 - packet.length]);
        }
        int declared = ByteBuffer.wrap(packet, 0, 4).getInt();
        if (declared >= 8 && declared <= 10_000 && declared > packet.length) {
            return concat(packet, new byte[declared - packet.length]);
        }
        return packet;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
