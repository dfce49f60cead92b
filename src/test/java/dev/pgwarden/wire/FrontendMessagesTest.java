package dev.pgwarden.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.vertx.core.buffer.Buffer;

/** The exact bytes the gateway sends to PostgreSQL as a client. */
class FrontendMessagesTest {
    private static final HexFormat HEX = HexFormat.of();

    private static String hex(Buffer b) {
        return HEX.formatHex(b.getBytes());
    }

    @Test
    void sslRequest() {
        assertEquals("00000008" + "04d2162f", hex(FrontendMessages.sslRequest()));
    }

    @Test
    void startupKeepsParameterOrder() {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("user", "alice");
        p.put("database", "shop");
        assertEquals("00000022" + "00030000"
                + "7573657200" + "616c69636500" // user\0 alice\0
                + "646174616261736500" + "73686f7000" // database\0 shop\0
                + "00",
                hex(FrontendMessages.startup(p)));
    }

    @Test
    void startupWithNoParametersIsVersionAndTerminator() {
        assertEquals("00000009" + "00030000" + "00", hex(FrontendMessages.startup(Map.of())));
    }

    @Test
    void query() {
        assertEquals("51" + "0000000d" + "73656c656374203100", hex(FrontendMessages.query("select 1")));
    }

    @Test
    void emptyQuery() {
        assertEquals("51" + "00000005" + "00", hex(FrontendMessages.query("")));
    }

    @Test
    void extendedQueryIsParseBindDescribeExecuteSyncInOneBuffer() {
        java.util.List<String> params = new java.util.ArrayList<>();
        params.add("7");
        params.add(null);
        assertEquals("50" + "0000000f" + "00" + "53454c45435420" + "00" + "0000" // Parse "" "SELECT " no types
                + "42" + "00000015" + "00" + "00" + "0000" + "0002" // Bind "" "" no formats, 2 values
                + "00000001" + "37" + "ffffffff" + "0000" // '7', NULL, results all text
                + "44" + "00000006" + "50" + "00" // Describe portal ""
                + "45" + "00000009" + "00" + "00000065" // Execute "" max 101 rows
                + "53" + "00000004", // Sync
                hex(FrontendMessages.extendedQuery("SELECT ", params, 101)));
    }

    @Test
    void copyFail() {
        assertEquals("66" + "00000007" + "6e6f00", hex(FrontendMessages.copyFail("no")));
    }

    @Test
    void terminate() {
        assertEquals("58" + "00000004", hex(FrontendMessages.terminate()));
    }

    @Test
    void cancelRequestWithAFourByteSecret() {
        assertEquals("00000010" + "04d2162e" + "00003039" + "deadbeef",
                hex(FrontendMessages.cancelRequest(12345, HEX.parseHex("deadbeef"))));
    }

    @Test
    void cancelRequestWithAThirtyTwoByteSecret() {
        String secret = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
        assertEquals("0000002c" + "04d2162e" + "00000007" + secret,
                hex(FrontendMessages.cancelRequest(7, HEX.parseHex(secret))));
    }

    @Test
    void password() {
        assertEquals("70" + "0000000b" + "73656372657400", hex(FrontendMessages.password("secret")));
    }

    @Test
    void saslInitialResponse() {
        byte[] data = "n,,n=*,r=abc".getBytes(StandardCharsets.US_ASCII);
        assertEquals("70" + "00000022"
                + "534352414d2d5348412d32353600" // SCRAM-SHA-256\0
                + "0000000c" // length of the data
                + "6e2c2c6e3d2a2c723d616263", // n,,n=*,r=abc (no terminator)
                hex(FrontendMessages.saslInitialResponse("SCRAM-SHA-256", data)));
    }

    @Test
    void saslResponse() {
        assertEquals("70" + "00000016" + "633d626977732c723d6162632c703d78797a",
                hex(FrontendMessages.saslResponse("c=biws,r=abc,p=xyz".getBytes(StandardCharsets.US_ASCII))));
    }

    @Test
    void cancelRequestParsesBackToTheSameKey() {
        byte[] secret = HEX.parseHex("0102030405060708");
        Buffer b = FrontendMessages.cancelRequest(99, secret);
        assertEquals(new StartupPacket.CancelRequest(99, secret), StartupPacket.parse(b, 0, b.length()));
    }

    @Test
    void bindResultFormatsAreReadPastTheParameters() {
        Buffer bind = Buffer.buffer()
                .appendShort((short) 1).appendShort((short) 1)           // one parameter format: binary
                .appendShort((short) 3)                                   // three parameters
                .appendInt(4).appendInt(42)                               // int4 42
                .appendInt(-1)                                            // NULL
                .appendInt(3).appendString("abc")                         // text
                .appendShort((short) 2).appendShort((short) 0).appendShort((short) 1); // result formats
        assertArrayEquals(new int[] { 0, 1 }, FrontendMessages.bindResultFormats(bind, 0));
        Buffer none = Buffer.buffer().appendShort((short) 0).appendShort((short) 0).appendShort((short) 0);
        assertArrayEquals(new int[0], FrontendMessages.bindResultFormats(none, 0));
    }
}
