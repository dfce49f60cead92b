package dev.pgwarden.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HexFormat;

import org.junit.jupiter.api.Test;

import io.vertx.core.buffer.Buffer;

class MessageWriterTest {
    private static final HexFormat HEX = HexFormat.of();

    private static String hex(Buffer b) {
        return HEX.formatHex(b.getBytes());
    }

    @Test
    void typedMessageOfEveryFieldKind() {
        Buffer b = MessageWriter.typed((byte) 'P')
                .cstring("s1")
                .cstring("select $1")
                .int16(1)
                .int32(23)
                .int8(0xff)
                .bytes(new byte[] { 1, 2 })
                .finish();
        assertEquals("50" + "0000001a"
                + "733100" // s1\0
                + "73656c65637420243100" // select $1\0
                + "0001" // int16
                + "00000017" // int32 23
                + "ff" // int8
                + "0102",
                hex(b));
    }

    @Test
    void emptyTypedMessageHasLengthFour() {
        assertEquals("53" + "00000004", hex(MessageWriter.typed((byte) 'S').finish()));
    }

    @Test
    void untypedPacketHasNoTypeByte() {
        assertEquals("00000008" + "04d2162f", hex(MessageWriter.untyped().int32(80877103).finish()));
    }

    @Test
    void appendToPatchesTheLengthOfTheAppendedMessageOnly() {
        Buffer out = BackendMessages.commandComplete("SELECT 1");
        MessageWriter.appendTo(out, (byte) 'Z').int8('I').finish();
        MessageWriter.appendTo(out, (byte) 'C').cstring("BEGIN").finish();
        assertEquals("43" + "0000000d" + "53454c454354203100"
                + "5a" + "00000005" + "49"
                + "43" + "0000000a" + "424547494e00",
                hex(out));
    }

    @Test
    void cstringDropsEmbeddedNulsAndEncodesUtf8() {
        assertEquals("51" + "0000000a" + "61e282ac6200", // a € b, without the NUL
                hex(MessageWriter.typed((byte) 'Q').cstring("a\0\u20acb").finish()));
    }
}
