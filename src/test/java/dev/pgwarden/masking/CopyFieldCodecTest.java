package dev.pgwarden.masking;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import io.vertx.core.buffer.Buffer;

class CopyFieldCodecTest {

    private static byte[] decodeText(String raw) {
        Buffer b = Buffer.buffer(raw);
        return CopyFieldCodec.decodeText(b, 0, b.length());
    }

    private static String encodeText(byte delimiter, byte[] value) {
        Buffer out = Buffer.buffer();
        CopyFieldCodec.encodeText(delimiter, value, out);
        return out.toString(StandardCharsets.UTF_8);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void decodesEveryTextEscape() {
        assertArrayEquals(bytes("\\"), decodeText("\\\\"));
        assertArrayEquals(bytes("a\tb\nc\rd\be\ff\u000bg"), decodeText("a\\tb\\nc\\rd\\be\\ff\\vg"));
        assertArrayEquals(bytes("A"), decodeText("\\101"));
        assertArrayEquals(bytes("\u0001x"), decodeText("\\1x"));
        assertArrayEquals(bytes("S4"), decodeText("\\1234"), "at most three octal digits");
        assertArrayEquals(bytes("AB"), decodeText("\\x41\\x42"));
        assertArrayEquals(bytes("\u000fG"), decodeText("\\xfG"), "one hex digit is enough");
        assertArrayEquals(bytes("xz"), decodeText("\\xz"), "\\x without a hex digit is x");
        assertArrayEquals(bytes("N"), decodeText("\\N"), "\\N is NULL only as a whole field, decided before decoding");
        assertArrayEquals(bytes(",|"), decodeText("\\,\\|"), "an escaped delimiter is itself");
        assertArrayEquals(new byte[] { (byte) 0xc3, (byte) 0xa9 }, decodeText("\\303\\251"), "octal bytes of UTF-8");
        assertArrayEquals(bytes("end\\"), decodeText("end\\"), "a trailing backslash stays");
    }

    @Test
    void encodesTheWayCopyToDoes() {
        assertEquals("a\\tb\\\\c\\nd\\re\\bf\\fg\\vh", encodeText((byte) '\t', bytes("a\tb\\c\nd\re\bf\fg\u000bh")));
        assertEquals("a\\|b\u0001", encodeText((byte) '|', bytes("a|b\u0001")), "other control bytes stay raw");
        assertEquals("a,b", encodeText((byte) '\t', bytes("a,b")));
        assertEquals("é", encodeText((byte) '\t', bytes("é")));
    }

    @Test
    void everyByteRoundTrips() {
        byte[] all = new byte[256];
        for (int i = 0; i < 256; i++) {
            all[i] = (byte) i;
        }
        for (byte delimiter : new byte[] { '\t', ',', '|' }) {
            Buffer exact = Buffer.buffer();
            CopyFieldCodec.encodeText(delimiter, all, exact);
            assertArrayEquals(all, CopyFieldCodec.decodeText(exact, 0, exact.length()));
            for (int i = 0; i < exact.length(); i++) {
                byte b = exact.getByte(i);
                assertTrue(b != '\n' && b != '\r', "no raw line end in an encoded field");
                if (b == delimiter) {
                    assertEquals('\\', exact.getByte(i - 1), "the delimiter is always escaped");
                }
            }
        }
    }

    @Test
    void csvDecodingAndEncoding() {
        CopyFormat csv = CopyFormat.csv();
        Buffer quoted = Buffer.buffer("\"He said \"\"hi\"\", then left\"");
        assertEquals("He said \"hi\", then left",
                new String(CopyFieldCodec.decodeCsv(csv, quoted, 0, quoted.length()), StandardCharsets.UTF_8));
        Buffer out = Buffer.buffer();
        CopyFieldCodec.encodeCsv(csv, bytes("He said \"hi\", then left"), out);
        assertEquals("\"He said \"\"hi\"\", then left\"", out.toString(StandardCharsets.UTF_8));

        Buffer plain = Buffer.buffer();
        CopyFieldCodec.encodeCsv(csv, bytes("***-**-6789"), plain);
        assertEquals("***-**-6789", plain.toString(StandardCharsets.UTF_8));

        Buffer empty = Buffer.buffer();
        CopyFieldCodec.encodeCsv(csv, new byte[0], empty);
        assertEquals("\"\"", empty.toString(StandardCharsets.UTF_8), "an empty string is not NULL");

        Buffer lines = Buffer.buffer();
        CopyFieldCodec.encodeCsv(csv, bytes("a\nb"), lines);
        assertEquals("\"a\nb\"", lines.toString(StandardCharsets.UTF_8));

        Buffer endMarker = Buffer.buffer();
        CopyFieldCodec.encodeCsv(csv, bytes("\\."), endMarker);
        assertEquals("\"\\.\"", endMarker.toString(StandardCharsets.UTF_8));
    }

    @Test
    void csvWithABackslashEscape() {
        CopyFormat csv = CopyFormat.csv().withEscape('\\');
        Buffer raw = Buffer.buffer("\"a\\\"b\\\\c\\d\"");
        assertEquals("a\"b\\c\\d", new String(CopyFieldCodec.decodeCsv(csv, raw, 0, raw.length()), StandardCharsets.UTF_8));
        Buffer out = Buffer.buffer();
        CopyFieldCodec.encodeCsv(csv, bytes("a\"b\\c"), out);
        assertEquals("\"a\\\"b\\\\c\"", out.toString(StandardCharsets.UTF_8));
    }

    @Test
    void nullMarkersAreComparedRaw() {
        Buffer b = Buffer.buffer("\\N");
        assertTrue(CopyFieldCodec.isNull(CopyFormat.text(), b, 0, 2));
        assertFalse(CopyFieldCodec.isNull(CopyFormat.text(), Buffer.buffer("\\\\N"), 0, 3));
        assertTrue(CopyFieldCodec.isNull(CopyFormat.csv(), Buffer.buffer(""), 0, 0));
        assertFalse(CopyFieldCodec.isNull(CopyFormat.csv(), Buffer.buffer("\"\""), 0, 2));
        assertTrue(CopyFieldCodec.isNull(CopyFormat.text().withNull("NULL"), Buffer.buffer("NULL"), 0, 4));
    }
}
