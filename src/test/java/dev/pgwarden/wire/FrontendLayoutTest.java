package dev.pgwarden.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.vertx.core.buffer.Buffer;

/** Exact client frames, well-formed and broken, through the layout check every reader relies on. */
class FrontendLayoutTest {
    private static final HexFormat HEX = HexFormat.of();

    private static void check(String hex) {
        Buffer b = Buffer.buffer(HEX.parseHex(hex));
        FrontendLayout.check(b.getByte(0), b, 0, b.length());
    }

    /** Checks the frame placed in the middle of other bytes, as the framer shows it. */
    private static void checkInside(String hex) {
        Buffer b = Buffer.buffer(HEX.parseHex("ffffff" + hex + "5300000004"));
        FrontendLayout.check(b.getByte(3), b, 3, 3 + hex.length() / 2);
    }

    private static String refused(String hex) {
        ProtocolException e = assertThrows(ProtocolException.class, () -> checkInside(hex), hex);
        assertEquals(SqlState.PROTOCOL_VIOLATION, e.sqlState());
        return e.getMessage();
    }

    @Test
    void whatTheGatewayItselfSendsIsWellFormed() {
        Buffer all = Buffer.buffer()
                .appendBuffer(FrontendMessages.extendedQuery("SELECT $1, $2", Arrays.asList("7", null), 10))
                .appendBuffer(FrontendMessages.query("SELECT 1"))
                .appendBuffer(FrontendMessages.copyFail("no"))
                .appendBuffer(FrontendMessages.terminate());
        int frames = 0;
        for (int pos = 0; pos < all.length(); frames++) {
            int end = pos + 1 + all.getInt(pos + 1);
            FrontendLayout.check(all.getByte(pos), all, pos, end);
            pos = end;
        }
        assertEquals(8, frames);
    }

    @Test
    void wellFormedMessagesOfEveryType() {
        for (String ok : List.of(
                "510000000d73656c656374203100", // Query "select 1"
                "50000000140073656c656374203100000100000017", // Parse "" "select 1", one type (int4)
                // Bind "" "": one format (binary), 2 values (NULL, "ab"), one result format (text)
                "420000001a0000" + "00010001" + "0002" + "ffffffff" + "000000026162" + "00010000",
                "44000000065300", // Describe statement ""
                "430000000850703100", // Close portal "p1"
                "450000000900" + "00000000", // Execute "" all rows
                "5300000004", "4800000004", "6300000004", // Sync, Flush, CopyDone
                "6400000007010203", // CopyData, 3 bytes
                "66000000096e6f706500", // CopyFail "nope"
                // FunctionCall oid 1598, no formats, one argument "42", text result
                "46000000140000063e" + "0000" + "0001" + "00000002" + "3432" + "0000",
                "5800000004")) { // Terminate
            checkInside(ok);
        }
    }

    /** The frame a seeded fuzz run sent (value 2 shortened by one byte): result count read as 0x3500. */
    @Test
    void aBindWhoseValueLengthLiesIsRefused() {
        String bind = "42000000257332007332000002000000000002000000033138310000000133350002000000015300000004";
        ProtocolException e = assertThrows(ProtocolException.class, () -> check(bind.substring(0, 76)));
        assertTrue(e.getMessage().startsWith("invalid Bind message: "), e.getMessage());
    }

    @Test
    void theIssuesBindWithFiveParametersAndNoBytesIsRefused() {
        assertTrue(refused("420000000a" + "0000" + "0000" + "0005").contains("runs past the end"));
    }

    @Test
    void countsThatLie() {
        // Parse: 2 parameter types declared, 1 sent
        assertTrue(refused("50000000140073656c656374203100" + "0002" + "00000017").startsWith("invalid Parse message"));
        // Bind: 2 parameter formats for 3 values
        assertTrue(refused("420000001c" + "0000" + "000200000000" + "0003" + "ffffffffffffffffffffffff" + "0000")
                .contains("2 format codes for 3 values"));
        // Bind: result format count 3, one code sent
        refused("420000000e0000" + "0000" + "0000" + "0003" + "0000");
        // FunctionCall: 1 argument declared, none sent
        refused("460000000e0000063e" + "0000" + "0001" + "0000");
    }

    @Test
    void valueLengthsThatLie() {
        // Bind value length -2
        assertTrue(refused("4200000010" + "0000" + "0000" + "0001" + "fffffffe" + "0000").contains("invalid length -2"));
        // Bind value length 100, 2 bytes follow
        refused("4200000012" + "0000" + "0000" + "0001" + "00000064" + "6162" + "0000");
        // Bind value length Integer.MAX_VALUE: no int overflow on the way
        refused("4200000010" + "0000" + "0000" + "0001" + "7fffffff" + "0000");
    }

    @Test
    void stringsWithoutTheirNul() {
        assertTrue(refused("510000000c73656c6563742031").contains("no terminating NUL"));
        refused("500000000b0073656c656374"); // Parse cut inside its query
        refused("4500000005" + "70"); // Execute "p" without NUL nor max rows
        refused("66000000086e6f7065"); // CopyFail
        refused("440000000553"); // Describe 'S' with no name
    }

    @Test
    void truncatedAndOverlongBodies() {
        refused("450000000700" + "0000"); // Execute: max rows cut to 2 bytes
        refused("5300000005" + "00"); // Sync with a body
        refused("4800000006" + "0000"); // Flush with a body
        refused("6300000005" + "01"); // CopyDone with a body
        assertTrue(refused("510000000e73656c656374203100" + "ff").contains("after its last field"));
        refused("4300000004"); // Close with nothing
    }

    @Test
    void describeAndCloseNameAStatementOrAPortal() {
        assertTrue(refused("44000000065800").contains("neither a statement"));
        refused("43000000060000");
    }

    @Test
    void unknownTypesAreRefused() {
        assertEquals("invalid frontend message type 63", refused("3f00000007010203"));
        refused("0000000004");
    }

    @Test
    void copyDataPasswordAndTerminateBodiesAreNotReadHere() {
        checkInside("6400000004");
        checkInside("7000000006ffff"); // the login reads a password message itself
        checkInside("5800000005ff");
    }
}
