package dev.pgwarden.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HexFormat;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.vertx.core.buffer.Buffer;

/** Exact server frames, well-formed and broken, through the layout check the gateway applies upstream. */
class BackendLayoutTest {
    private static final HexFormat HEX = HexFormat.of();

    /** Checks the frame placed in the middle of other bytes, as the framer shows it. */
    private static void check(String hex) {
        Buffer b = Buffer.buffer(HEX.parseHex("ffff" + hex + "5a0000000549"));
        BackendLayout.check(b.getByte(2), b, 2, 2 + hex.length() / 2);
    }

    private static String refused(String hex) {
        ProtocolException e = assertThrows(ProtocolException.class, () -> check(hex), hex);
        assertEquals(SqlState.PROTOCOL_VIOLATION, e.sqlState());
        assertTrue(e.getMessage().contains("from the upstream database"), e.getMessage());
        return e.getMessage();
    }

    private static String hex(Buffer b) {
        return HEX.formatHex(b.getBytes());
    }

    @Test
    void wellFormedMessagesOfEveryType() {
        for (String ok : List.of(
                hex(BackendMessages.authenticationOk()), hex(BackendMessages.authenticationCleartextPassword()),
                "520000000c00000005" + "01020304", // AuthenticationMD5Password
                "52000000170000000a" + "534352414d2d5348412d32353600" + "00", // SASL: SCRAM-SHA-256
                "520000000c0000000b" + "723d6162", // SASLContinue "r=ab"
                hex(BackendMessages.parameterStatus("TimeZone", "UTC")),
                hex(BackendMessages.backendKeyData(7, 42)),
                hex(BackendMessages.readyForQuery('T')),
                hex(BackendMessages.error(PgError.error("42P01", "no such table").withDetail("d").withHint("h"))),
                hex(BackendMessages.notice(PgError.notice("hello"))),
                hex(BackendMessages.commandComplete("SELECT 1")),
                hex(new Notification(9, "chan", "payload").toMessage()),
                // RowDescription: one field "id", table 16384 column 1, int4, size 4, modifier -1, text
                "540000001b0001" + "696400" + "00004000" + "0001" + "00000017" + "0004" + "ffffffff" + "0000",
                "440000000f0002" + "00000001" + "31" + "ffffffff", // DataRow ("1", NULL)
                "480000000b00" + "0002" + "00000000", // CopyOutResponse text, 2 columns
                "470000000701" + "0000", // CopyInResponse binary, no columns
                "740000000a0001" + "00000017", // ParameterDescription (int4)
                "760000000c" + "00000000" + "00000000", // NegotiateProtocolVersion 3.0, no options
                "560000000a" + "00000002" + "3432", // FunctionCallResponse "42"
                "3100000004", "3200000004", "3300000004", "6e00000004", "4900000004", "7300000004",
                "6300000004", "6400000006" + "0a0b")) {
            check(ok);
        }
    }

    @Test
    void aDataRowWhoseColumnRunsPastTheFrame() {
        assertTrue(refused("440000000e0002" + "00000001" + "31" + "00000005").startsWith("invalid DataRow message"));
        refused("440000000f0002" + "00000001" + "31" + "fffffffe"); // length -2
        refused("440000000b0003" + "00000001" + "31"); // 3 columns, 1 sent
        refused("440000000b0001" + "00000001" + "3132"); // a byte after the last column
    }

    @Test
    void aRowDescriptionCutInsideAField() {
        refused("540000001a0001" + "696400" + "00004000" + "0001" + "00000017" + "0004" + "ffffffff" + "00");
        refused("54000000090001" + "6964"); // name without NUL
        refused("54000000060002"); // 2 fields, none sent
    }

    @Test
    void errorAndNoticeFieldsMustEndInsideTheFrame() {
        refused("450000000a" + "53" + "4552524f52"); // 'S' "ERROR" without NUL
        refused("450000000b" + "53" + "4552524f5200"); // no terminating zero byte
        refused("4e0000000e" + "53" + "4e4f5449434500" + "00" + "ff"); // a byte after the terminator
        refused("4500000004");
    }

    @Test
    void readyForQueryCarriesOneKnownStatus() {
        refused("5a00000004");
        assertTrue(refused("5a0000000558").contains("unknown transaction status 88"));
        refused("5a000000064900");
    }

    @Test
    void loginMessages() {
        refused("520000000a00000005" + "0102"); // md5 salt cut
        refused("520000000500"); // no request code
        refused("520000000900000000ff"); // AuthenticationOk with a byte after it
        refused("52000000110000000a" + "534352414d2d534841"); // SASL list without NUL
        refused("53000000095a4f4e4500"); // ParameterStatus without a value
        refused("4b00000008" + "00000007"); // BackendKeyData without its key
        refused("4b0000000a" + "00000007" + "0102"); // a 2-byte key
        check("4b00000028" + "00000007" + "00".repeat(32)); // protocol 3.2's longer keys are fine
    }

    @Test
    void copyResponsesAndTheRest() {
        refused("480000000b00" + "0003" + "00000000"); // 3 column formats, 2 sent
        refused("48000000070200" + "00"); // overall format 2
        refused("480000000900" + "0001" + "0007"); // column format 7
        refused("410000000d" + "00000009" + "6368616e00"); // Notification without its payload
        refused("430000000a53454c454354"); // CommandComplete without NUL
        refused("3100000005" + "00"); // ParseComplete with a body
        refused("740000000a0002" + "00000017"); // ParameterDescription count lies
        refused("760000000c" + "00000000" + "00000001"); // NegotiateProtocolVersion: 1 option, none sent
        refused("5600000008" + "00000005"); // FunctionCallResponse value cut
    }

    @Test
    void unknownTypesAreRefused() {
        assertEquals("invalid message type 63 from the upstream database", refused("3f00000004"));
    }
}
