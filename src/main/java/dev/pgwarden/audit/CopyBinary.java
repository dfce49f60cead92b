package dev.pgwarden.audit;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Rows in PostgreSQL's binary COPY format: a header, per row a field count and each field as a
 * length (-1 for NULL) and its binary form, a trailer. Cheaper than text for both sides: nothing
 * to escape here, nothing to parse there (timestamps are 64-bit microseconds since 2000-01-01).
 */
final class CopyBinary {
    private static final byte[] HEADER = { 'P', 'G', 'C', 'O', 'P', 'Y', '\n', (byte) 0xff, '\r', '\n', 0,
            0, 0, 0, 0, // flags
            0, 0, 0, 0 }; // header extension length
    /** 2000-01-01T00:00:00Z in microseconds since 1970. */
    private static final long PG_EPOCH_MICROS = 946_684_800_000_000L;

    private byte[] buf;
    private int len;

    CopyBinary(int capacity) {
        buf = new byte[Math.max(64, capacity)];
        put(HEADER, 0, HEADER.length);
    }

    CopyBinary row(int fields) {
        ensure(2);
        buf[len++] = (byte) (fields >>> 8);
        buf[len++] = (byte) fields;
        return this;
    }

    CopyBinary text(String value) {
        if (value == null) {
            return putInt(-1);
        }
        byte[] b = value.getBytes(StandardCharsets.UTF_8);
        putInt(b.length);
        put(b, 0, b.length);
        return this;
    }

    CopyBinary int4(int value) {
        return putInt(4).putInt(value);
    }

    CopyBinary int8(Long value) {
        return value == null ? putInt(-1) : putInt(8).putLong(value);
    }

    /** A timestamptz given in microseconds since 1970. */
    CopyBinary timestamptz(long micros) {
        return putInt(8).putLong(micros - PG_EPOCH_MICROS);
    }

    /** Appends the trailer; the rows are then {@code array()[0, length())}. */
    CopyBinary finish() {
        ensure(2);
        buf[len++] = (byte) 0xff;
        buf[len++] = (byte) 0xff;
        return this;
    }

    byte[] array() {
        return buf;
    }

    int length() {
        return len;
    }

    private CopyBinary putInt(int v) {
        ensure(4);
        buf[len++] = (byte) (v >>> 24);
        buf[len++] = (byte) (v >>> 16);
        buf[len++] = (byte) (v >>> 8);
        buf[len++] = (byte) v;
        return this;
    }

    private CopyBinary putLong(long v) {
        putInt((int) (v >>> 32));
        return putInt((int) v);
    }

    private void put(byte[] b, int off, int n) {
        ensure(n);
        System.arraycopy(b, off, buf, len, n);
        len += n;
    }

    private void ensure(int n) {
        if (len + n > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + n));
        }
    }
}
