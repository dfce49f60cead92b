package dev.pgwarden.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.HexFormat;

import org.junit.jupiter.api.Test;

import io.vertx.core.buffer.Buffer;

class FramesUnitTest {
    // Parse: 'P' len, name "s1", query "select 'é'", 0 parameter types
    private static final Buffer PARSE = Buffer.buffer(HexFormat.of().parseHex(
            "50" + "00000015" + "733100" + "73656c6563742027c3a92700" + "0000"));

    @Test
    void readsTheStringsOfAParseMessage() {
        int nameEnd = Frames.stringEnd(PARSE, 5, PARSE.length());
        assertEquals(7, nameEnd);
        assertEquals("s1", Frames.string(PARSE, 5, nameEnd));
        int sqlEnd = Frames.stringEnd(PARSE, nameEnd + 1, PARSE.length());
        assertEquals(19, sqlEnd);
        assertEquals("select '\u00e9'", Frames.string(PARSE, nameEnd + 1, sqlEnd));
    }

    @Test
    void anEmptyStringEndsWhereItStarts() {
        Buffer b = Buffer.buffer(HexFormat.of().parseHex("5100000005" + "00"));
        assertEquals(5, Frames.stringEnd(b, 5, b.length()));
        assertEquals("", Frames.string(b, 5, 5));
    }

    @Test
    void theSearchStopsAtTheFrameEnd() {
        // The string's NUL lies in the next frame: not this frame's terminator.
        Buffer b = Buffer.buffer(HexFormat.of().parseHex("510000000773656c" + "00"));
        ProtocolException e = assertThrows(ProtocolException.class, () -> Frames.stringEnd(b, 5, 8));
        assertEquals("08P01", e.sqlState());
    }
}
