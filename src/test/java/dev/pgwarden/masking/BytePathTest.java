package dev.pgwarden.masking;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import org.junit.jupiter.api.Test;

import dev.pgwarden.wire.MessageWriter;
import io.vertx.core.buffer.Buffer;

/**
 * The byte paths (masking and detection on scratch arrays, rows rewritten in two passes) give what
 * the String paths give, byte for byte, ASCII or not.
 */
class BytePathTest {
    private static final String[] VALUES = {
            "", " ", "a", "@", "a@", "@b", "a@b", " john.doe@example.com ", "\tjohn@x.io\u000b", "\u001cx@y\u001f",
            "a@b@c.d", "no address", "123-45-6789", "4111 1111 1111 1111", "1234567", "12345678", "abc_def-12",
            "ÄÖÜ@über.de", "josé@x.com", "3782-822463-10005", "\u2003pad@x.io\u2003", "\ud83d\ude00@x.io",
            "x".repeat(300) + "@example.com", "{\"a\": \"john@x.io\"}", "\"quoted@x.io\"",
    };
    private static final int[][] TYPES = { { 25, 0 }, { 1043, 1 }, { 114, 0 }, { 3802, 0 }, { 3802, 1 }, { 23, 0 } };

    private final ValueMasker masker = new ValueMasker(ValueMaskerTest.KEY);
    private final ContentDetectors detectors = ContentDetectors.all();

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void maskingBytesGivesWhatTheStringFormGives() {
        for (MaskFunction f : MaskFunction.values()) {
            for (int[] type : TYPES) {
                for (String v : VALUES) {
                    byte[] value = utf8(v);
                    if (type[0] == 3802 && type[1] == 1) {
                        value = Buffer.buffer().appendByte((byte) 1).appendBytes(value).getBytes();
                    }
                    byte[] expected = masker.mask(f, value, type[0], type[1]);
                    // surrounded by other bytes, appended after earlier output
                    byte[] padded = Buffer.buffer("xx").appendBytes(value).appendString("yy").getBytes();
                    ScratchBytes out = new ScratchBytes();
                    out.append((byte) '!');
                    boolean notNull = masker.mask(ColumnMask.apply(f, type[0], type[1]), padded, 2,
                            2 + value.length, out);
                    String what = f + " " + Arrays.toString(type) + " '" + v + "'";
                    assertEquals(expected != null, notNull, what);
                    assertArrayEquals(expected == null ? new byte[0] : expected,
                            Arrays.copyOfRange(out.array(), 1, out.length()), what);
                }
            }
        }
    }

    @Test
    void invalidUtf8TakesTheStringRoute() {
        byte[] value = { 'a', 'b', (byte) 0xff, '1', '2', '3', '4', '5', '6', '7', '8', '@', 'x', '.', 'i', 'o' };
        for (MaskFunction f : MaskFunction.values()) {
            ScratchBytes out = new ScratchBytes();
            assertTrue(masker.mask(ColumnMask.apply(f, 25, 0), value, 0, value.length, out) || f == MaskFunction.NULL);
            byte[] expected = masker.mask(f, value, 25, 0);
            assertArrayEquals(expected == null ? new byte[0] : expected, Arrays.copyOf(out.array(), out.length()), f.name());
        }
    }

    @Test
    void detectingBytesGivesWhatTheBufferFormGives() {
        for (String v : VALUES) {
            for (String s : new String[] { v, "see " + v + " and 123-45-6789", "[\"" + v + "\", 4111111111111111]" }) {
                byte[] value = utf8(s);
                Buffer expected = detectors.scanText(Buffer.buffer(value), 0, value.length);
                ScratchBytes out = new ScratchBytes();
                boolean changed = detectors.scanText(value, 0, value.length, out);
                assertEquals(expected != null, changed, s);
                if (changed) {
                    assertEquals(expected.toString(StandardCharsets.UTF_8),
                            new String(out.array(), 0, out.length(), StandardCharsets.UTF_8), s);
                    String viaString = ContentDetectors.looksLikeJson(value, 0, value.length) ? detectors.scanJson(s)
                            : detectors.scan(s);
                    assertEquals(viaString, expected.toString(StandardCharsets.UTF_8), s);
                } else {
                    assertEquals(0, out.length(), s);
                }
            }
        }
    }

    @Test
    void wideRowsWithLargeValuesGrowTheScratchArrays() {
        int columns = 40;
        String big = "card 4111-1111-1111-1111 ".repeat(2_000);
        MessageWriter w = MessageWriter.typed((byte) 'D').int16(columns);
        MessageWriter expected = MessageWriter.typed((byte) 'D').int16(columns);
        ColumnMask[] plan = new ColumnMask[columns];
        for (int c = 0; c < columns; c++) {
            byte[] v = utf8(c % 2 == 0 ? big : "keep " + c);
            w.int32(v.length).bytes(v);
            plan[c] = c % 4 == 0 ? ColumnMask.DETECT_TEXT : c % 4 == 1 ? ColumnMask.apply(MaskFunction.REDACT, 25, 0) : null;
            byte[] masked = c % 4 == 0 ? utf8(detectors.scan(big)) : c % 4 == 1 ? utf8("****") : v;
            expected.int32(masked.length).bytes(masked);
        }
        Buffer row = w.finish();
        DataRowRewriter rewriter = new DataRowRewriter(masker, detectors);
        for (int round = 0; round < 2; round++) { // the second round reuses (then drops) the grown arrays
            Buffer out = rewriter.rewrite(row, 0, row.length(), plan);
            assertEquals(expected.finish(), out);
        }
        ColumnMask[] nothing = new ColumnMask[columns];
        nothing[1] = ColumnMask.DETECT_TEXT;
        assertNull(rewriter.rewrite(row, 0, row.length(), nothing));
    }

    @Test
    void scratchBytesGrowAndTruncate() {
        ScratchBytes s = new ScratchBytes();
        for (int i = 0; i < 1_000; i++) {
            s.append((byte) i);
        }
        s.appendInt(0x01020304);
        assertEquals(1_004, s.length());
        assertEquals(4, s.array()[1_003]);
        s.truncate(10);
        assertEquals(10, s.length());
        int at = s.extend(5);
        assertEquals(10, at);
        assertEquals(15, s.length());
        s.clear();
        assertEquals(0, s.length());
        assertFalse(AsciiMasks.isAscii(utf8("é"), 0, 2));
    }
}
