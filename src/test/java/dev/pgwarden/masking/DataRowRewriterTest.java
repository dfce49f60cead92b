package dev.pgwarden.masking;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.pgwarden.wire.MessageWriter;
import dev.pgwarden.wire.ProtocolException;
import io.vertx.core.buffer.Buffer;

class DataRowRewriterTest {
    private static final HexFormat HEX = HexFormat.of();
    private static final ColumnMask TEXT_DETECT = ColumnMask.detect(25, 0);

    private final DataRowRewriter rewriter = new DataRowRewriter(new ValueMasker(ValueMaskerTest.KEY),
            ContentDetectors.all());

    // id '42', ssn '123-45-6789', name 'Ann', all text format
    static final String ROW = "44" + "00000022" + "0003"
            + "00000002" + "3432"
            + "0000000b" + "3132332d34352d36373839"
            + "00000003" + "416e6e";

    private static Buffer bytes(String hex) {
        return Buffer.buffer(HEX.parseHex(hex));
    }

    private static String hex(Buffer b) {
        return b == null ? null : HEX.formatHex(b.getBytes());
    }

    private Buffer rewrite(String hex, ColumnMask... plan) {
        return rewriter.rewrite(bytes(hex), 0, hex.length() / 2, plan);
    }

    @Test
    void untouchedRowsReturnNull() {
        assertNull(rewrite(ROW, null, null, null));
        assertNull(rewrite(ROW, TEXT_DETECT, null, TEXT_DETECT), "detection that finds nothing changes nothing");
    }

    @Test
    void redactRecomputesTheColumnAndMessageLengths() {
        assertEquals("44" + "0000001b" + "0003"
                + "00000002" + "3432"
                + "00000004" + "2a2a2a2a"
                + "00000003" + "416e6e",
                hex(rewrite(ROW, null, ColumnMask.apply(MaskFunction.REDACT, 25, 0), null)));
    }

    @Test
    void last4KeepsTheLength() {
        assertEquals("44" + "00000022" + "0003"
                + "00000002" + "3432"
                + "0000000b" + "2a2a2a2d2a2a2d36373839"
                + "00000003" + "416e6e",
                hex(rewrite(ROW, null, ColumnMask.apply(MaskFunction.LAST4, 1043, 0), null)));
    }

    @Test
    void nullFunctionWritesMinusOne() {
        assertEquals("44" + "00000017" + "0003"
                + "00000002" + "3432"
                + "ffffffff"
                + "00000003" + "416e6e",
                hex(rewrite(ROW, null, ColumnMask.apply(MaskFunction.NULL, 25, 0), null)));
    }

    @Test
    void nonTextColumnsBecomeNull() {
        // id as int4 in binary: 42
        String row = "44" + "00000015" + "0002" + "00000004" + "0000002a" + "00000003" + "416e6e";
        assertEquals("44" + "00000011" + "0002" + "ffffffff" + "00000003" + "416e6e",
                hex(rewrite(row, ColumnMask.apply(MaskFunction.LAST4, 23, 1), null)));
    }

    @Test
    void sqlNullStaysNullAndIsNotAChange() {
        String row = "44" + "0000000e" + "0002" + "ffffffff" + "00000000";
        assertNull(rewrite(row, ColumnMask.apply(MaskFunction.REDACT, 25, 0), TEXT_DETECT));
        // an empty string is a value: it gets masked
        assertEquals("44" + "00000012" + "0002" + "ffffffff" + "00000004" + "2a2a2a2a",
                hex(rewrite(row, null, ColumnMask.apply(MaskFunction.REDACT, 25, 0))));
    }

    @Test
    void detectionRewritesOnlyTheMatchingColumn() {
        // 'note: a@b.io' (12 bytes) and '123-45-6789'
        String row = "44" + "00000025" + "0002"
                + "0000000c" + "6e6f74653a206140622e696f"
                + "0000000b" + "3132332d34352d36373839";
        assertEquals("44" + "00000028" + "0002"
                + "0000000f" + HEX.formatHex("note: a***@b.io".getBytes(StandardCharsets.UTF_8))
                + "0000000b" + "3132332d34352d36373839",
                hex(rewrite(row, TEXT_DETECT, null)));
    }

    @Test
    void detectionInBinaryJsonbKeepsTheVersionByteAndValidJson() throws Exception {
        byte[] json = "{\"card\":4111111111111111}".getBytes(StandardCharsets.UTF_8);
        Buffer row = MessageWriter.typed((byte) 'D').int16(1).int32(json.length + 1).int8(1).bytes(json).finish();
        Buffer out = rewriter.rewrite(row, 0, row.length(), new ColumnMask[] { ColumnMask.detect(3802, 1) });
        assertEquals(row.length() + 2, out.length());
        assertEquals(out.length() - 1, out.getInt(1));
        assertEquals(json.length + 3, out.getInt(7));
        assertEquals(1, out.getByte(11));
        String text = out.getString(12, out.length(), "UTF-8");
        assertEquals("************1111", new ObjectMapper().readTree(text).get("card").asText());
    }

    @Test
    void detectionSkipsNonTextTypes() {
        Buffer row = MessageWriter.typed((byte) 'D').int16(1).int32(16).bytes("4111111111111111".getBytes()).finish();
        assertNull(rewriter.rewrite(row, 0, row.length(), new ColumnMask[] { ColumnMask.detect(20, 0) }));
        assertEquals(hex(row).replace("34313131313131313131313131313131", "2a2a2a2a2a2a2a2a2a2a2a2a31313131"),
                hex(rewriter.rewrite(row, 0, row.length(), new ColumnMask[] { ColumnMask.detect(25, 0) })));
    }

    @Test
    void rewritesAFrameInsideALargerBufferIntoAStandaloneFrame() {
        String before = "5a0000000549";
        Buffer buf = bytes(before + ROW + "430000000d53454c454354203100");
        int start = before.length() / 2;
        Buffer out = rewriter.rewrite(buf, start, start + ROW.length() / 2,
                new ColumnMask[] { null, ColumnMask.apply(MaskFunction.REDACT, 25, 0), null });
        assertEquals("440000001b000300000002343200000004" + "2a2a2a2a" + "00000003416e6e", hex(out));
        assertNull(rewriter.rewrite(buf, start, start + ROW.length() / 2, new ColumnMask[3]));
    }

    @Test
    void aPlanOfAnotherWidthIsAProtocolError() {
        assertThrows(ProtocolException.class, () -> rewrite(ROW, null, null));
        assertThrows(ProtocolException.class, () -> rewrite(ROW, null, null, null, null));
    }

    @Test
    void malformedRowsAreProtocolErrors() {
        // a column length running past the frame
        String tooLong = "44" + "0000000d" + "0001" + "00000009" + "414243";
        assertThrows(ProtocolException.class, () -> rewrite(tooLong, (ColumnMask) null));
        // a negative length other than -1
        String negative = "44" + "0000000a" + "0001" + "fffffffe";
        assertThrows(ProtocolException.class, () -> rewrite(negative, (ColumnMask) null));
        // bytes after the last column
        String trailing = "44" + "0000000b" + "0001" + "ffffffff" + "00";
        assertThrows(ProtocolException.class, () -> rewrite(trailing, (ColumnMask) null));
        // header length disagreeing with the frame range
        assertThrows(ProtocolException.class, () -> rewriter.rewrite(bytes(ROW), 0, ROW.length() / 2 - 1, new ColumnMask[3]));
        assertThrows(ProtocolException.class, () -> rewrite("54000000060000"));
    }
}
