package dev.pgwarden.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HexFormat;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.vertx.core.buffer.Buffer;

/** The exact bytes of every message the gateway writes to clients. */
class BackendMessagesTest {
    private static final HexFormat HEX = HexFormat.of();

    private static String hex(Buffer b) {
        return HEX.formatHex(b.getBytes());
    }

    @Test
    void authenticationOk() {
        assertEquals("52" + "00000008" + "00000000", hex(BackendMessages.authenticationOk()));
    }

    @Test
    void authenticationCleartextPassword() {
        assertEquals("52" + "00000008" + "00000003", hex(BackendMessages.authenticationCleartextPassword()));
    }

    @Test
    void parameterStatus() {
        assertEquals("53" + "00000019"
                + "636c69656e745f656e636f64696e6700" // client_encoding\0
                + "5554463800", // UTF8\0
                hex(BackendMessages.parameterStatus("client_encoding", "UTF8")));
    }

    @Test
    void parameterStatusLengthCountsUtf8BytesNotChars() {
        assertEquals("53" + "0000001b"
                + "6170706c69636174696f6e5f6e616d6500" // application_name\0
                + "636166c3a900", // café\0 (é is c3 a9)
                hex(BackendMessages.parameterStatus("application_name", "caf\u00e9")));
    }

    @Test
    void backendKeyData() {
        assertEquals("4b" + "0000000c" + "000004d2" + "deadbeef", hex(BackendMessages.backendKeyData(1234, 0xdeadbeef)));
        assertEquals("4b" + "0000000c" + "7fffffff" + "80000000",
                hex(BackendMessages.backendKeyData(Integer.MAX_VALUE, Integer.MIN_VALUE)));
    }

    @Test
    void readyForQuery() {
        assertEquals("5a" + "00000005" + "49", hex(BackendMessages.readyForQuery('I')));
        assertEquals("5a" + "00000005" + "54", hex(BackendMessages.readyForQuery('T')));
        assertEquals("5a" + "00000005" + "45", hex(BackendMessages.readyForQuery('E')));
    }

    @Test
    void commandComplete() {
        assertEquals("43" + "0000000d" + "53454c454354203100", hex(BackendMessages.commandComplete("SELECT 1")));
    }

    @Test
    void negotiateProtocolVersionWithOptions() {
        assertEquals("76" + "0000001e" + "00000000" + "00000002"
                + "5f70715f2e666f6f00" // _pq_.foo\0
                + "5f70715f2e62617200", // _pq_.bar\0
                hex(BackendMessages.negotiateProtocolVersion(0, List.of("_pq_.foo", "_pq_.bar"))));
    }

    @Test
    void negotiateProtocolVersionWithoutOptions() {
        assertEquals("76" + "0000000c" + "00000000" + "00000000",
                hex(BackendMessages.negotiateProtocolVersion(0, List.of())));
    }

    @Test
    void errorResponseWithEveryField() {
        PgError e = PgError.error("42501", "permission denied").withDetail("d").withHint("h");
        assertEquals("45" + "00000033"
                + "53" + "4552524f5200" // S ERROR
                + "56" + "4552524f5200" // V ERROR
                + "43" + "343235303100" // C 42501
                + "4d" + "7065726d697373696f6e2064656e69656400" // M permission denied
                + "44" + "6400" // D d
                + "48" + "6800" // H h
                + "00", // terminator
                hex(BackendMessages.error(e)));
    }

    @Test
    void fatalErrorWithoutDetailOrHint() {
        assertEquals("45" + "00000025"
                + "53" + "464154414c00"
                + "56" + "464154414c00"
                + "43" + "323850303100" // 28P01
                + "4d" + "62616420746f6b656e00" // bad token
                + "00",
                hex(BackendMessages.error(PgError.fatal("28P01", "bad token"))));
    }

    @Test
    void noticeResponse() {
        assertEquals("4e" + "00000020"
                + "53" + "4e4f5449434500"
                + "56" + "4e4f5449434500"
                + "43" + "303030303000"
                + "4d" + "686900"
                + "00",
                hex(BackendMessages.notice(PgError.notice("hi"))));
    }

    @Test
    void errorRoundTripsThroughParse() {
        for (PgError e : List.of(
                PgError.error("42501", "permission denied for table salaries"),
                PgError.fatal("28P01", "token expired").withHint("log in again"),
                PgError.error("0A000", "caf\u00e9 \u2603").withDetail("line 1\nline 2").withHint("try \"x\""),
                PgError.notice("ignored startup parameters: role"))) {
            Buffer b = e.severity().equals("NOTICE") ? BackendMessages.notice(e) : BackendMessages.error(e);
            assertEquals(e, PgError.parse(b, 0, b.length()), e.toString());
        }
    }

    @Test
    void aNulInsideAStringIsDroppedSoTheFieldIsNotCutShort() {
        PgError e = PgError.error("42501", "a\0b").withDetail("\0x\0");
        Buffer b = BackendMessages.error(e);
        assertEquals("45" + "00000021"
                + "53" + "4552524f5200"
                + "56" + "4552524f5200"
                + "43" + "343235303100"
                + "4d" + "616200" // "ab"
                + "44" + "7800" // "x"
                + "00",
                hex(b));
        PgError parsed = PgError.parse(b, 0, b.length());
        assertEquals("ab", parsed.message());
        assertEquals("x", parsed.detail());
        assertEquals("42501", parsed.sqlState());
    }

    @Test
    void messagesFrameCleanlyBackToBack() {
        // What a login answer looks like on the wire; the framer must see exactly these frames.
        Buffer all = Buffer.buffer()
                .appendBuffer(BackendMessages.authenticationOk())
                .appendBuffer(BackendMessages.parameterStatus("server_version", "16.4"))
                .appendBuffer(BackendMessages.backendKeyData(7, 8))
                .appendBuffer(BackendMessages.readyForQuery('I'));
        List<String> types = new java.util.ArrayList<>();
        new MessageFramer(1024, true).feed(all, (type, buf, start, end) -> {
            types.add(String.valueOf((char) type) + (end - start));
            return true;
        });
        assertEquals(List.of("R9", "S" + (1 + 4 + 15 + 5), "K13", "Z6"), types);
    }
}
