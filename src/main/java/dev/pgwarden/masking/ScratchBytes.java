package dev.pgwarden.masking;

import io.vertx.core.buffer.Buffer;

/**
 * A growable byte array meant to be reused by one thread: masking writes values into it instead of
 * allocating a String, array or Buffer per value. Not thread-safe.
 */
final class ScratchBytes {
    private static final int INITIAL = 256;
    /** A larger array is dropped on {@link #clear}, so one huge value does not pin memory for good. */
    private static final int MAX_RETAINED = 1 << 20;

    private byte[] bytes = new byte[INITIAL];
    private int length;

    void clear() {
        if (bytes.length > MAX_RETAINED) {
            bytes = new byte[INITIAL];
        }
        length = 0;
    }

    int length() {
        return length;
    }

    /** The backing array: valid from 0 to {@link #length()}, replaced when the content grows. */
    byte[] array() {
        return bytes;
    }

    /** Forgets everything after the first {@code n} bytes. */
    void truncate(int n) {
        length = n;
    }

    /** Replaces the content with bytes {@code from..to} of {@code buf}; returns the backing array. */
    byte[] load(Buffer buf, int from, int to) {
        clear();
        ensure(to - from);
        buf.getBytes(from, to, bytes, 0);
        length = to - from;
        return bytes;
    }

    /** Makes room for {@code n} more bytes and returns where they start in {@link #array()}. */
    int extend(int n) {
        ensure(length + n);
        int at = length;
        length += n;
        return at;
    }

    /** Big-endian, as the wire protocol writes lengths. */
    ScratchBytes appendInt(int v) {
        ensure(length + 4);
        bytes[length] = (byte) (v >>> 24);
        bytes[length + 1] = (byte) (v >>> 16);
        bytes[length + 2] = (byte) (v >>> 8);
        bytes[length + 3] = (byte) v;
        length += 4;
        return this;
    }

    ScratchBytes append(byte b) {
        ensure(length + 1);
        bytes[length++] = b;
        return this;
    }

    ScratchBytes append(byte[] src, int from, int to) {
        int n = to - from;
        ensure(length + n);
        System.arraycopy(src, from, bytes, length, n);
        length += n;
        return this;
    }

    private void ensure(int capacity) {
        if (capacity > bytes.length) {
            byte[] grown = new byte[Math.max(capacity, bytes.length * 2)];
            System.arraycopy(bytes, 0, grown, 0, length);
            bytes = grown;
        }
    }
}
