package dev.pgwarden.audit;

import dev.pgwarden.wire.Frames;
import io.vertx.core.buffer.Buffer;

/**
 * A Bind's parameter values, copied (they are rendered and masked later, on the writer thread,
 * and never stored raw), with their formats and the types the Parse declared.
 */
record BindParameters(byte[][] values, int[] formats, int[] declaredTypes) {
    static final BindParameters NONE = new BindParameters(new byte[0][], new int[0], new int[0]);

    /** Reads the parameters of the Bind frame {@code start..end}. */
    static BindParameters read(Buffer buf, int start, int end, int[] declaredTypes) {
        int pos = Frames.stringEnd(buf, start + 5, end) + 1; // portal
        pos = Frames.stringEnd(buf, pos, end) + 1; // statement
        int formatCount = buf.getUnsignedShort(pos);
        pos += 2;
        int[] formatCodes = new int[formatCount];
        for (int i = 0; i < formatCount; i++) {
            formatCodes[i] = buf.getShort(pos + 2 * i);
        }
        pos += 2 * formatCount;
        int n = buf.getUnsignedShort(pos);
        pos += 2;
        if (n == 0) {
            return NONE;
        }
        byte[][] values = new byte[n][];
        int[] formats = new int[n];
        for (int i = 0; i < n; i++) {
            int len = buf.getInt(pos);
            pos += 4;
            if (len >= 0) {
                values[i] = buf.getBytes(pos, pos + len);
                pos += len;
            }
            formats[i] = formatCount == 0 ? 0 : formatCount == 1 ? formatCodes[0] : formatCodes[i];
        }
        return new BindParameters(values, formats, declaredTypes);
    }

    int typeOf(int i) {
        return declaredTypes != null && i < declaredTypes.length ? declaredTypes[i] : 0;
    }

    long bytes() {
        long n = 16L * values.length;
        for (byte[] v : values) {
            n += v == null ? 0 : v.length;
        }
        return n;
    }
}
