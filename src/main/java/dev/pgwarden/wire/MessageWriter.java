package dev.pgwarden.wire;

import java.nio.charset.StandardCharsets;

import io.vertx.core.buffer.Buffer;

/** Builds one typed message: reserves the length field and patches it on {@link #finish()}. */
public final class MessageWriter {
    private final Buffer buf;
    private final int lengthAt;

    private MessageWriter(Buffer buf, byte type) {
        this.buf = buf;
        if (type != 0) {
            buf.appendByte(type);
        }
        this.lengthAt = buf.length();
        buf.appendInt(0);
    }

    /** A typed message appended to a fresh buffer. */
    public static MessageWriter typed(byte type) {
        return new MessageWriter(Buffer.buffer(64), type);
    }

    /** An untyped startup-phase packet (StartupMessage, SSLRequest, CancelRequest). */
    public static MessageWriter untyped() {
        return new MessageWriter(Buffer.buffer(64), (byte) 0);
    }

    /** A typed message appended to an existing buffer, so several can be sent in one write. */
    public static MessageWriter appendTo(Buffer out, byte type) {
        return new MessageWriter(out, type);
    }

    public MessageWriter int8(int v) {
        buf.appendByte((byte) v);
        return this;
    }

    public MessageWriter int16(int v) {
        buf.appendShort((short) v);
        return this;
    }

    public MessageWriter int32(int v) {
        buf.appendInt(v);
        return this;
    }

    public MessageWriter bytes(byte[] b) {
        buf.appendBytes(b);
        return this;
    }

    /** A NUL-terminated UTF-8 string. NULs inside are dropped: they would end the field early. */
    public MessageWriter cstring(String s) {
        String safe = s.indexOf('\0') >= 0 ? s.replace("\0", "") : s;
        buf.appendBytes(safe.getBytes(StandardCharsets.UTF_8));
        buf.appendByte((byte) 0);
        return this;
    }

    public Buffer finish() {
        buf.setInt(lengthAt, buf.length() - lengthAt);
        return buf;
    }
}
