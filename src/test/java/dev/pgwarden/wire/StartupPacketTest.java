package dev.pgwarden.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.vertx.core.buffer.Buffer;

/** StartupPacket.parse on the exact bytes clients send. */
class StartupPacketTest {
    private static final HexFormat HEX = HexFormat.of();

    private static StartupPacket parse(String hex) {
        Buffer b = Buffer.buffer(HEX.parseHex(hex));
        return StartupPacket.parse(b, 0, b.length());
    }

    /** The same packet placed in the middle of a larger buffer, as the framer shows it. */
    private static StartupPacket parseAtOffset(String hex) {
        Buffer b = Buffer.buffer(HEX.parseHex("deadbeefcafe" + hex + "ffffff"));
        return StartupPacket.parse(b, 6, 6 + hex.length() / 2);
    }

    private static String hexOfAscii(String s) {
        return HEX.formatHex(s.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    @Test
    void sslRequest() {
        assertInstanceOf(StartupPacket.SslRequest.class, parse("0000000804d2162f"));
        assertInstanceOf(StartupPacket.SslRequest.class, parseAtOffset("0000000804d2162f"));
    }

    @Test
    void gssEncRequest() {
        assertInstanceOf(StartupPacket.GssEncRequest.class, parse("0000000804d21630"));
    }

    @Test
    void sslAndGssRequestsWithExtraBytesAreRejected() {
        ProtocolException e = assertThrows(ProtocolException.class, () -> parse("0000000c04d2162f00000000"));
        assertEquals("08P01", e.sqlState());
        assertThrows(ProtocolException.class, () -> parse("0000000c04d2163000000000"));
    }

    @Test
    void aPacketShorterThanEightBytesIsRejected() {
        assertThrows(ProtocolException.class, () -> parse("00000004"));
        assertThrows(ProtocolException.class, () -> parse("0000000704d216"));
    }

    @Test
    void cancelRequestWithAFourByteSecret() {
        // length 16, code 80877102, pid 12345, secret de ad be ef
        StartupPacket p = parse("0000001004d2162e00003039deadbeef");
        StartupPacket.CancelRequest c = assertInstanceOf(StartupPacket.CancelRequest.class, p);
        assertEquals(12345, c.processId());
        assertArrayEquals(HEX.parseHex("deadbeef"), c.secret());
        assertEquals(c, parseAtOffset("0000001004d2162e00003039deadbeef"));
    }

    @Test
    void cancelRequestWithAThirtyTwoByteSecretOfProtocol32() {
        String secret = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
        StartupPacket.CancelRequest c = assertInstanceOf(StartupPacket.CancelRequest.class,
                parse("0000002c04d2162e7fffffff" + secret));
        assertEquals(Integer.MAX_VALUE, c.processId());
        assertArrayEquals(HEX.parseHex(secret), c.secret());
    }

    @Test
    void cancelRequestSecretOf256BytesIsTheLimit() {
        String secret256 = "ab".repeat(256);
        StartupPacket.CancelRequest c = assertInstanceOf(StartupPacket.CancelRequest.class,
                parse("0000010c04d2162e00000001" + secret256)); // 268 bytes
        assertEquals(256, c.secret().length);

        ProtocolException e = assertThrows(ProtocolException.class,
                () -> parse("0000010d04d2162e00000001" + secret256 + "ab")); // 257-byte secret
        assertEquals("08P01", e.sqlState());
    }

    @Test
    void cancelRequestWithASecretShorterThanFourBytesIsRejected() {
        assertThrows(ProtocolException.class, () -> parse("0000000f04d2162e00003039deadbe"));
        assertThrows(ProtocolException.class, () -> parse("0000000c04d2162e00003039"));
    }

    @Test
    void cancelRequestToStringNeverShowsTheSecret() {
        StartupPacket p = parse("0000001004d2162e00003039deadbeef");
        String s = p.toString().toLowerCase();
        assertFalse(s.contains("deadbeef"), s);
        assertFalse(s.contains(String.valueOf(0xdeadbeef)), s);
        assertFalse(s.contains("-34"), s); // (byte) 0xde as printed by Arrays.toString
    }

    @Test
    void startupMessageAsPsqlSendsIt() {
        // user=alice database=shop application_name=psql client_encoding=UTF8, protocol 3.0
        String hex = "0000004d00030000"
                + "7573657200" + "616c69636500"
                + "646174616261736500" + "73686f7000"
                + "6170706c69636174696f6e5f6e616d6500" + "7073716c00"
                + "636c69656e745f656e636f64696e6700" + "5554463800"
                + "00";
        StartupPacket.Startup s = assertInstanceOf(StartupPacket.Startup.class, parse(hex));
        assertEquals(3, s.majorVersion());
        assertEquals(0, s.minorVersion());
        assertEquals(List.of("user", "database", "application_name", "client_encoding"),
                new ArrayList<>(s.parameters().keySet()), "parameters keep the order they were sent in");
        assertEquals(Map.of("user", "alice", "database", "shop", "application_name", "psql", "client_encoding", "UTF8"),
                s.parameters());
        assertEquals("alice", s.user());
        assertEquals("shop", s.database());
        assertEquals(s, parseAtOffset(hex));
    }

    @Test
    void startupMessageOfProtocol32() {
        StartupPacket.Startup s = assertInstanceOf(StartupPacket.Startup.class,
                parse("00000014000300027573657200616c6963650000"));
        assertEquals(3, s.majorVersion());
        assertEquals(2, s.minorVersion());
        assertEquals(Map.of("user", "alice"), s.parameters());
    }

    @Test
    void otherProtocolVersionsAreDecodedForTheCallerToRefuse() {
        StartupPacket.Startup s = assertInstanceOf(StartupPacket.Startup.class,
                parse("00000014000200007573657200616c6963650000"));
        assertEquals(2, s.majorVersion());
        assertEquals(0, s.minorVersion());
    }

    @Test
    void nonAsciiValuesAreUtf8() {
        String body = "00030000" + hexOfAscii("user") + "00" + hexOfAscii("jos\u00e9") + "00" + "00";
        String hex = String.format("%08x", 4 + body.length() / 2) + body;
        StartupPacket.Startup s = assertInstanceOf(StartupPacket.Startup.class, parse(hex));
        assertEquals("jos\u00e9", s.user());
    }

    @Test
    void databaseDefaultsToUser() {
        StartupPacket.Startup s = assertInstanceOf(StartupPacket.Startup.class,
                parse("00000014000300007573657200616c6963650000"));
        assertEquals("alice", s.database());
    }

    /**
     * Exposes a bug: PostgreSQL treats an empty database name like a missing one and uses the user
     * name (postmaster's ProcessStartupPacket); pgjdbc sends {@code database=""} for a URL with no
     * database. Here "" is returned, so the gateway reports database "" as not served.
     */
    @Test
    void anEmptyDatabaseDefaultsToUserAsInPostgres() {
        // user=alice database=""
        StartupPacket.Startup s = assertInstanceOf(StartupPacket.Startup.class,
                parse("0000001e000300007573657200616c6963650064617461626173650000" + "00"));
        assertEquals("alice", s.database());
    }

    @Test
    void noUserMeansNoUser() {
        StartupPacket.Startup s = assertInstanceOf(StartupPacket.Startup.class,
                parse("00000014000300006461746162617365007800" + "00"));
        assertNull(s.user());
        assertEquals("x", s.database());
    }

    @Test
    void aValueWithoutItsTerminatorIsRejected() {
        // user=alice with the NUL after "alice" missing, and no list terminator
        ProtocolException e = assertThrows(ProtocolException.class,
                () -> parse("00000012000300007573657200616c696365"));
        assertEquals("08P01", e.sqlState());
    }

    @Test
    void aNameWithoutItsTerminatorIsRejected() {
        assertThrows(ProtocolException.class, () -> parse("0000000c0003000075736572"));
    }

    @Test
    void bytesAfterTheListTerminatorAreRejected() {
        assertThrows(ProtocolException.class, () -> parse("00000016000300007573657200616c69636500" + "00" + "7878"));
    }

    /**
     * Exposes a bug: PostgreSQL requires the terminating empty name as the last byte ("invalid
     * startup packet layout: expected terminator as last byte"); here a packet without it is
     * accepted, as is a packet with no parameter list at all.
     */
    @Test
    void aMissingListTerminatorIsRejected() {
        ProtocolException e = assertThrows(ProtocolException.class,
                () -> parse("00000013000300007573657200616c69636500")); // user=alice, no final NUL
        assertEquals("08P01", e.sqlState());
        assertThrows(ProtocolException.class, () -> parse("0000000800030000")); // nothing after the version
    }

    @Test
    void anEmptyParameterListIsValid() {
        StartupPacket.Startup s = assertInstanceOf(StartupPacket.Startup.class, parse("000000090003000000"));
        assertEquals(Map.of(), s.parameters());
    }

    @Test
    void frontendStartupRoundTrips() {
        Map<String, String> params = new java.util.LinkedHashMap<>();
        params.put("user", "gw");
        params.put("database", "app");
        params.put("application_name", "pgwarden");
        Buffer b = FrontendMessages.startup(params);
        StartupPacket.Startup s = assertInstanceOf(StartupPacket.Startup.class, StartupPacket.parse(b, 0, b.length()));
        assertEquals(new ArrayList<>(params.entrySet()), new ArrayList<>(s.parameters().entrySet()));
        assertEquals(3, s.majorVersion());
        assertEquals(0, s.minorVersion());
    }
}
