package dev.pgwarden.wire;

import java.nio.charset.StandardCharsets;

import io.vertx.core.buffer.Buffer;

/** Small readers for fields inside a frame. */
public final class Frames {
    private Frames() {
    }

    /** Index of the NUL ending the string that starts at {@code from}. */
    public static int stringEnd(Buffer buf, int from, int end) {
        for (int i = from; i < end; i++) {
            if (buf.getByte(i) == 0) {
                return i;
            }
        }
        throw new ProtocolException("missing string terminator");
    }

    public static String string(Buffer buf, int from, int nul) {
        return buf.getString(from, nul, StandardCharsets.UTF_8.name());
    }
}
