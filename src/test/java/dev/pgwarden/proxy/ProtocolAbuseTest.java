package dev.pgwarden.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.ResultSet;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.pgwarden.testing.Gateway;
import dev.pgwarden.testing.GatewayTestResource;
import dev.pgwarden.testing.PostgresFixture;
import dev.pgwarden.testing.RawPgClient;
import dev.pgwarden.testing.RawPgClient.Message;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * Bad bytes end only the offending connection, with an ErrorResponse where the protocol allows;
 * a bystander session opened before each test must still work after it.
 */
@QuarkusTest
@QuarkusTestResource(GatewayTestResource.class)
class ProtocolAbuseTest {
    private Connection bystander;

    @BeforeEach
    void openBystander() throws Exception {
        bystander = Gateway.analyst();
    }

    @AfterEach
    void bystanderIsUnaffected() throws Exception {
        try (ResultSet rs = bystander.createStatement().executeQuery("SELECT count(*) FROM customers")) {
            rs.next();
            assertEquals(PostgresFixture.CUSTOMER_COUNT, rs.getInt(1));
        }
        bystander.close();
    }

    private static RawPgClient raw() throws Exception {
        return new RawPgClient("127.0.0.1", GatewayTestResource.gatewayPort());
    }

    private static void assertFatal(Message m, String sqlState) {
        assertEquals('E', m.type(), "an ErrorResponse");
        assertEquals("FATAL", m.field('V'));
        assertEquals(sqlState, m.sqlState(), m.field('M'));
    }

    @Test
    void garbageInsteadOfAStartupPacket() throws Exception {
        try (RawPgClient c = raw()) {
            c.send(new byte[] { 'G', 'E', 'T', ' ', '/', ' ', 'H', 'T', 'T', 'P', '/', '1', '.', '1', '\r', '\n', '\r', '\n' });
            Message m = c.read();
            assertFatal(m, "08P01"); // "GET " read as a length: far beyond any startup packet
            assertTrue(m.field('M').contains("invalid length of startup packet"));
            assertTrue(c.closedByServer());
        }
    }

    @Test
    void aLengthBeyondTheMaximumIsRefusedFromTheHeaderAlone() throws Exception {
        try (RawPgClient c = raw()) {
            c.login("agent-7", PostgresFixture.DATABASE, GatewayTestResource.token("agent-7", "analysts"));
            // Declares 512 MiB; the gateway (max 1 MiB in tests) must not wait for, or buffer, the body.
            c.send(ByteBuffer.allocate(5 + 100).put((byte) 'Q').putInt(512 * 1024 * 1024).array());
            Message m = c.read();
            assertFatal(m, "54000");
            assertTrue(m.field('M').contains("exceeds the maximum"));
            assertTrue(c.closedByServer());
        }
    }

    @Test
    void aLengthFieldBelowFourIsAProtocolViolation() throws Exception {
        try (RawPgClient c = raw()) {
            c.login("agent-7", PostgresFixture.DATABASE, GatewayTestResource.token("agent-7", "analysts"));
            c.send(new byte[] { 'Q', 0, 0, 0, 2 });
            assertFatal(c.read(), "08P01");
            assertTrue(c.closedByServer());
        }
    }

    @Test
    void unknownMessageTypeAfterLogin() throws Exception {
        try (RawPgClient c = raw()) {
            c.login("agent-7", PostgresFixture.DATABASE, GatewayTestResource.token("agent-7", "analysts"));
            c.send(RawPgClient.typed('?', new byte[] { 1, 2, 3 }));
            assertFatal(c.read(), "08P01");
            assertTrue(c.closedByServer());
        }
    }

    @Test
    void aBindWhoseFieldsRunPastItsFrameEndsOnlyThatConnection() throws Exception {
        try (RawPgClient c = raw()) {
            c.login("agent-7", PostgresFixture.DATABASE, GatewayTestResource.token("agent-7", "analysts"));
            // portal "", statement "", 0 param formats, 5 params declared but no bytes follow
            c.send(RawPgClient.typed('B', new byte[] { 0, 0, 0, 0, 0, 5 }));
            Message m = c.read();
            assertFatal(m, "08P01");
            assertTrue(c.closedByServer());
        }
    }

    /**
     * Found by ProtocolFuzzTest: a Query the gate decides on asynchronously holds the client's
     * bytes; the malformed Bind behind it was read when the verdict came in, outside the read
     * handler's safety net, so its IndexOutOfBoundsException escaped to the event loop and the
     * session hung with the client paused.
     */
    @Test
    void aMalformedBindBehindAQueryHeldForItsVerdictEndsOnlyThatConnection() throws Exception {
        try (RawPgClient c = raw()) {
            c.login("agent-7", PostgresFixture.DATABASE, GatewayTestResource.token("agent-7", "analysts"));
            byte[] query = RawPgClient.query("SELECT 1 /* " + java.util.UUID.randomUUID() + " */"); // no cached verdict
            // The fuzzer's frame: Bind "s2" "s2", 2 text values whose second length says 1 for 2 bytes
            byte[] bind = java.util.HexFormat.of().parseHex(
                    "4200000025733200733200000200000000000200000003313831000000013335000200000001");
            c.send(concat(query, bind));
            Message m;
            do {
                m = c.read();
            } while (m.type() != 'E');
            assertFatal(m, "08P01");
            assertTrue(m.field('M').startsWith("invalid Bind message"), m.field('M'));
            assertTrue(c.closedByServer());
        }
    }

    @Test
    void bytesPipelinedBehindSslRequestAreRejected() throws Exception {
        try (RawPgClient c = raw()) {
            byte[] ssl = { 0, 0, 0, 8, 0x04, (byte) 0xd2, 0x16, 0x2f };
            byte[] startup = RawPgClient.startupPacket(3, 0, Map.of("user", "x", "database", "shop"));
            byte[] both = ByteBuffer.allocate(ssl.length + startup.length).put(ssl).put(startup).array();
            c.send(both);
            // Nothing is answered in the clear to injected bytes: no 'S', no auth request.
            Message m = c.read();
            assertFatal(m, "08P01");
            assertTrue(m.field('M').contains("unexpected data after SSLRequest"));
            assertTrue(c.closedByServer());
        }
    }

    @Test
    void sslRequestIsAnsweredWithSWhenTlsIsConfigured() throws Exception {
        try (RawPgClient c = raw()) {
            c.send(new byte[] { 0, 0, 0, 8, 0x04, (byte) 0xd2, 0x16, 0x2f });
            assertEquals('S', c.readByte());
        }
    }

    @Test
    void gssEncRequestIsDeclined() throws Exception {
        try (RawPgClient c = raw()) {
            c.send(new byte[] { 0, 0, 0, 8, 0x04, (byte) 0xd2, 0x16, 0x30 });
            assertEquals('N', c.readByte());
            // The client may go on in the clear, as libpq does.
            List<Message> login = c.login("agent-7", PostgresFixture.DATABASE, GatewayTestResource.token("agent-7", "analysts"));
            assertEquals('Z', login.get(login.size() - 1).type());
        }
    }

    @Test
    void anUnsupportedMajorProtocolVersionIsRefused() throws Exception {
        try (RawPgClient c = raw()) {
            c.send(RawPgClient.startupPacket(4, 0, Map.of("user", "agent-7", "database", "shop")));
            Message m = c.read();
            assertFatal(m, "0A000");
            assertTrue(m.field('M').contains("unsupported frontend protocol 4.0"));
        }
    }

    @Test
    void protocol32IsNegotiatedDownTo30() throws Exception {
        try (RawPgClient c = raw()) {
            c.send(RawPgClient.startupPacket(3, 2, Map.of("user", "agent-7", "database", "shop", "_pq_.test", "1")));
            Message v = c.read();
            assertEquals('v', v.type(), "NegotiateProtocolVersion");
            ByteBuffer b = ByteBuffer.wrap(v.body());
            assertEquals(0, b.getInt(), "newest minor version supported");
            assertEquals(1, b.getInt(), "one unsupported option");
            assertEquals('R', c.read().type(), "then authentication goes on");
        }
    }

    @Test
    void aClientThatSaysNothingIsDisconnectedAfterTheAuthTimeout() throws Exception {
        try (RawPgClient c = raw()) {
            c.soTimeout(15_000);
            Message m = c.read(); // auth-timeout is 8 s in tests
            assertFatal(m, "08P01");
            assertTrue(m.field('M').contains("authentication timeout"));
            assertTrue(c.closedByServer());
        }
    }

    @Test
    void aClientThatStopsAtThePasswordPromptIsDisconnected() throws Exception {
        try (RawPgClient c = raw()) {
            c.soTimeout(15_000);
            c.send(RawPgClient.startupPacket(3, 0, Map.of("user", "agent-7", "database", "shop")));
            assertEquals('R', c.read().type());
            assertFatal(c.read(), "08P01");
        }
    }

    @Test
    void aTruncatedStartupPacketFollowedByCloseLeavesNothingBehind() throws Exception {
        try (RawPgClient c = raw()) {
            c.send(new byte[] { 0, 0, 0, 40, 0, 3, 0, 0, 'u', 's' });
        }
    }

    @Test
    void functionCallIsRefusedAndTheSessionStaysUsable() throws Exception {
        try (RawPgClient c = raw()) {
            List<Message> login = c.login("agent-7", PostgresFixture.DATABASE, GatewayTestResource.token("agent-7", "analysts"));
            assertEquals('Z', login.get(login.size() - 1).type());
            // FunctionCall for OID 1598 (random()): no argument formats, no arguments, text result.
            byte[] body = ByteBuffer.allocate(10).putInt(1598).putShort((short) 0).putShort((short) 0).putShort((short) 0)
                    .array();
            c.send(RawPgClient.typed('F', body));
            List<Message> reply = c.readUntilReady();
            assertEquals('E', reply.get(0).type());
            assertEquals("42501", reply.get(0).sqlState());
            assertTrue(reply.get(0).field('M').contains("FunctionCall"));
            assertEquals('Z', reply.get(reply.size() - 1).type());
            c.send(RawPgClient.query("SELECT 40 + 2"));
            List<Message> ok = c.readUntilReady();
            assertTrue(ok.stream().anyMatch(m -> m.type() == 'D'), "the session still answers queries");
        }
    }

    /** PostgreSQL ignores a Sync sent during COPY FROM STDIN; refusals must stay matched after it. */
    @Test
    void refusalsStayInStepAfterAnExtendedProtocolCopy() throws Exception {
        PostgresFixture.shared().execute("TRUNCATE items");
        try (RawPgClient c = raw()) {
            c.login("agent-7", PostgresFixture.DATABASE, GatewayTestResource.token("agent-7", "analysts"));
            byte[] parse = RawPgClient.typed('P', concat(RawPgClient.cstr(""), RawPgClient.cstr("COPY items FROM STDIN"),
                    new byte[] { 0, 0 }));
            byte[] bind = RawPgClient.typed('B', concat(RawPgClient.cstr(""), RawPgClient.cstr(""),
                    new byte[] { 0, 0, 0, 0, 0, 0 }));
            byte[] execute = RawPgClient.typed('E', concat(RawPgClient.cstr(""), new byte[] { 0, 0, 0, 0 }));
            byte[] sync = RawPgClient.typed('S', new byte[0]);
            // As libpq does it: Sync goes out with Execute, before the server enters COPY mode.
            c.send(concat(parse, bind, execute, sync));
            List<Message> started = new java.util.ArrayList<>();
            Message m;
            do {
                m = c.read();
                started.add(m);
            } while (m.type() != 'G');
            c.send(concat(RawPgClient.typed('d', "7\tseven\n"
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8)), RawPgClient.typed('c', new byte[0]), sync));
            List<Message> done = c.readUntilReady();
            assertTrue(done.stream().anyMatch(x -> x.type() == 'C'), "COPY completed");
            byte[] call = ByteBuffer.allocate(10).putInt(1598).putShort((short) 0).putShort((short) 0).putShort((short) 0)
                    .array();
            c.send(RawPgClient.typed('F', call));
            List<Message> reply = c.readUntilReady();
            assertEquals("42501", reply.get(0).sqlState(), reply.get(0).field('M'));
            assertTrue(reply.get(0).field('M').contains("FunctionCall"));
        }
        assertEquals("7", PostgresFixture.shared().queryForString("SELECT string_agg(id::text, ',') FROM items"));
    }

    private static byte[] concat(byte[]... parts) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    @Test
    void aPasswordMessageMustComeAfterTheStartup() throws Exception {
        try (RawPgClient c = raw()) {
            c.send(RawPgClient.startupPacket(3, 0, Map.of("user", "agent-7", "database", "shop")));
            assertEquals('R', c.read().type());
            c.send(RawPgClient.query("SELECT 1"));
            assertFatal(c.read(), "08P01");
        }
    }
}
