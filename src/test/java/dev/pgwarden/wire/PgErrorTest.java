package dev.pgwarden.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HexFormat;

import org.junit.jupiter.api.Test;

import io.vertx.core.buffer.Buffer;

class PgErrorTest {
    private static final HexFormat HEX = HexFormat.of();

    /**
     * What PostgreSQL 16 sends for {@code select * from x} when x does not exist, field by field.
     */
    private static final String RELATION_DOES_NOT_EXIST = "45" + "00000064"
            + "53" + "4552524f5200" // S ERROR
            + "56" + "4552524f5200" // V ERROR
            + "43" + "343250303100" // C 42P01
            + "4d" + "72656c6174696f6e2022782220646f6573206e6f7420657869737400" // M relation "x" does not exist
            + "50" + "313500" // P 15
            + "46" + "70617273655f72656c6174696f6e2e6300" // F parse_relation.c
            + "4c" + "3133393200" // L 1392
            + "52" + "7061727365724f70656e5461626c6500" // R parserOpenTable
            + "00";

    /** Hand-built frames must carry a correct length field, or the tests would prove little. */
    private static Buffer frame(String hex) {
        Buffer b = Buffer.buffer(HEX.parseHex(hex));
        assertEquals(b.length() - 1, b.getInt(1), "length field of " + hex);
        return b;
    }

    @Test
    void parsesARealErrorResponse() {
        Buffer b = frame(RELATION_DOES_NOT_EXIST);
        PgError e = PgError.parse(b, 0, b.length());
        assertEquals(new PgError("ERROR", "42P01", "relation \"x\" does not exist", null, null), e);
        assertFalse(e.isFatal());
    }

    @Test
    void parsesAFrameInTheMiddleOfAChunk() {
        // ReadyForQuery before, CommandComplete after: the parser must stay within start..end.
        String before = "5a0000000549";
        String after = "430000000a424547494e00";
        Buffer b = Buffer.buffer(HEX.parseHex(before + RELATION_DOES_NOT_EXIST + after));
        int start = before.length() / 2;
        int end = start + RELATION_DOES_NOT_EXIST.length() / 2;
        PgError e = PgError.parse(b, start, end);
        assertEquals("42P01", e.sqlState());
        assertEquals("relation \"x\" does not exist", e.message());
    }

    @Test
    void localizedSeverityIsUsedOnlyWhenVIsAbsent() {
        // A German server: S is localized, V is not.
        Buffer withV = frame(("45" + "0000001e"
                + "53" + "4645484c455200" // S FEHLER
                + "56" + "4552524f5200" // V ERROR
                + "43" + "343230303000" // C 42000
                + "4d" + "6d00" // M m
                + "00"));
        assertEquals("ERROR", PgError.parse(withV, 0, withV.length()).severity());

        // Servers before 9.6 send no V.
        Buffer withoutV = frame(("45" + "00000017"
                + "53" + "4645484c455200"
                + "43" + "343230303000"
                + "4d" + "6d00"
                + "00"));
        assertEquals("FEHLER", PgError.parse(withoutV, 0, withoutV.length()).severity());
    }

    @Test
    void detailAndHintAreRead() {
        Buffer b = frame(("45" + "00000029"
                + "53" + "4552524f5200"
                + "56" + "4552524f5200"
                + "43" + "323335303500" // 23505
                + "4d" + "64757000" // dup
                + "44" + "6b657900" // key
                + "48" + "666978" + "00" // fix
                + "00"));
        PgError e = PgError.parse(b, 0, b.length());
        assertEquals(new PgError("ERROR", "23505", "dup", "key", "fix"), e);
    }

    @Test
    void aFieldWithoutTerminatorIsAProtocolViolation() {
        Buffer b = frame("45" + "0000000a" + "53" + "4552524f52"); // S ERROR, no NUL
        ProtocolException ex = assertThrows(ProtocolException.class, () -> PgError.parse(b, 0, b.length()));
        assertEquals("08P01", ex.sqlState());
    }

    @Test
    void theTerminatorSearchStopsAtTheFrameEnd() {
        // The NUL after "ERROR" lies outside the frame: it must not be used.
        Buffer b = Buffer.buffer(HEX.parseHex("45" + "0000000a" + "53" + "4552524f52" + "00"));
        assertThrows(ProtocolException.class, () -> PgError.parse(b, 0, b.length() - 1));
    }

    @Test
    void fatalAndPanicAreFatal() {
        assertTrue(PgError.fatal("57P01", "x").isFatal());
        assertTrue(new PgError("PANIC", "XX000", "x", null, null).isFatal());
        assertFalse(PgError.error("42000", "x").isFatal());
        assertFalse(PgError.notice("x").isFatal());
        assertFalse(new PgError(null, null, null, null, null).isFatal());
    }

    @Test
    void withersKeepTheOtherFields() {
        PgError e = PgError.error("42501", "no").withDetail("d").withHint("h");
        assertEquals(new PgError("ERROR", "42501", "no", "d", "h"), e);
        assertEquals("d", e.withHint("h2").detail());
        assertEquals("00000", PgError.notice("n").sqlState());
        assertNull(PgError.error("42501", "no").hint());
    }
}
