package dev.pgwarden.proxy;

import java.nio.charset.StandardCharsets;

import dev.pgwarden.wire.ProtocolException;
import io.vertx.core.buffer.Buffer;

/** Small readers for fields inside a frame. */
final class Frames {
    private Frames() {
    }

    /** Index of the NUL ending the string that starts at {@code from}. */
    static int stringEnd(Buffer buf, int from, int end) {
        for (int i = from; i < end; i++) {
            if (buf.getByte(i) == 0) {
                return i;
            }
        }
        throw new ProtocolException("missing string terminator");
    }

    static String string(Buffer buf, int from, int nul) {
        return buf.getString(from, nul, StandardCharsets.UTF_8.name());
    }
}
