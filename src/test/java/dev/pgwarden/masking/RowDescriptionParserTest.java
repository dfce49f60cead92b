package dev.pgwarden.masking;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.HexFormat;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.pgwarden.wire.ProtocolException;
import io.vertx.core.buffer.Buffer;

class RowDescriptionParserTest {
    private static final HexFormat HEX = HexFormat.of();

    // RowDescription for "select ssn, 1 as n" with ssn a text column (attribute 3) of table 16390
    // and n an int4 in binary format.
    static final String TWO_FIELDS = "54" + "00000030" + "0002"
            + "73736e00" + "00004006" + "0003" + "00000019" + "ffff" + "ffffffff" + "0000"
            + "6e00" + "00000000" + "0000" + "00000017" + "0004" + "ffffffff" + "0001";

    private static Buffer bytes(String hex) {
        return Buffer.buffer(HEX.parseHex(hex));
    }

    @Test
    void parsesEveryFieldOfEveryColumn() {
        List<Field> fields = RowDescriptionParser.parse(bytes(TWO_FIELDS), 0, TWO_FIELDS.length() / 2);
        assertEquals(List.of(
                new Field("ssn", 16390, 3, 25, -1, -1, 0),
                new Field("n", 0, 0, 23, 4, -1, 1)), fields);
        assertEquals(true, fields.get(0).isTableColumn());
        assertEquals(false, fields.get(1).isTableColumn());
        assertEquals(TypeClass.TEXT, fields.get(0).typeClass());
        assertEquals(TypeClass.OTHER, fields.get(1).typeClass());
    }

    @Test
    void readsAFrameInsideALargerBuffer() {
        Buffer buf = bytes("5a0000000549" + TWO_FIELDS + "44000000060000");
        List<Field> fields = RowDescriptionParser.parse(buf, 6, 6 + TWO_FIELDS.length() / 2);
        assertEquals("n", fields.get(1).name());
    }

    @Test
    void namesAreUtf8AndOidsUnsigned() {
        Buffer b = Buffer.buffer().appendByte((byte) 'T').appendInt(0).appendShort((short) 1)
                .appendString("prénom").appendByte((byte) 0)
                .appendInt(0xFFFF_FFF0).appendShort((short) 2).appendInt(0x8000_0001).appendShort((short) -1)
                .appendInt(68).appendShort((short) 0);
        b.setInt(1, b.length() - 1);
        Field f = RowDescriptionParser.parse(b, 0, b.length()).get(0);
        assertEquals("prénom", f.name());
        assertEquals("4294967280", Integer.toUnsignedString(f.tableOid()));
        assertEquals(TypeClass.TEXT, f.typeClass(), "a user-defined type in text format");
        assertEquals(68, f.typeModifier());
        assertEquals(TypeClass.OTHER, f.withFormat(1).typeClass());
    }

    @Test
    void zeroColumns() {
        assertEquals(List.of(), RowDescriptionParser.parse(bytes("54000000060000"), 0, 7));
    }

    @Test
    void malformedFramesAreProtocolErrors() {
        int n = TWO_FIELDS.length() / 2;
        // truncated: the frame claims its full length but the range stops early
        assertThrows(ProtocolException.class, () -> RowDescriptionParser.parse(bytes(TWO_FIELDS), 0, n - 1));
        // a second field's fixed part missing (length patched to match)
        String cut = "54" + "00000020" + "0002" + TWO_FIELDS.substring(14, 14 + 2 * 26);
        assertThrows(ProtocolException.class, () -> RowDescriptionParser.parse(bytes(cut), 0, cut.length() / 2));
        // bytes after the last field
        String extra = "54" + "00000031" + TWO_FIELDS.substring(10) + "00";
        assertThrows(ProtocolException.class, () -> RowDescriptionParser.parse(bytes(extra), 0, extra.length() / 2));
        // unterminated name
        assertThrows(ProtocolException.class, () -> RowDescriptionParser.parse(bytes("540000000800016e6e"), 0, 9));
        // not a RowDescription
        assertThrows(ProtocolException.class, () -> RowDescriptionParser.parse(bytes("44000000060000"), 0, 7));
    }
}
