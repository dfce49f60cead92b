package dev.pgwarden.masking;

import java.nio.charset.StandardCharsets;

/**
 * A range of UTF-8 bytes seen as characters, one per byte: ASCII reads as itself and every byte of
 * a multi-byte sequence as a unit at or above 0x80, which is all the detectors need. Backed by an
 * array, not a Buffer, so that {@link #charAt} is a plain load. Mutable so that one instance per
 * thread can be reused ({@link #reset}, {@link #clear}) and scanning bytes that hold no match
 * allocates nothing.
 */
final class AsciiView implements CharSequence {
    private byte[] bytes;
    private int from;
    private int length;

    AsciiView() {
    }

    AsciiView(byte[] bytes, int from, int to) {
        reset(bytes, from, to);
    }

    AsciiView reset(byte[] b, int start, int end) {
        this.bytes = b;
        this.from = start;
        this.length = end - start;
        return this;
    }

    /** Drops the array so that a pooled view does not keep it alive. */
    void clear() {
        bytes = null;
        length = 0;
    }

    boolean inUse() {
        return bytes != null;
    }

    @Override
    public int length() {
        return length;
    }

    @Override
    public char charAt(int index) {
        return (char) (bytes[from + index] & 0xFF);
    }

    @Override
    public CharSequence subSequence(int start, int end) {
        return new AsciiView(bytes, from + start, from + end);
    }

    @Override
    public String toString() {
        return new String(bytes, from, length, StandardCharsets.UTF_8);
    }
}
