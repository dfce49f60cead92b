package dev.pgwarden.masking;

import java.nio.charset.StandardCharsets;

import io.vertx.core.buffer.Buffer;

/**
 * A range of UTF-8 bytes seen as characters, one per byte: ASCII reads as itself and every byte of
 * a multi-byte sequence as a unit at or above 0x80, which is all the detectors need. Mutable so that
 * one instance per thread can be reused ({@link #reset}, {@link #clear}) and scanning bytes that
 * hold no match allocates nothing.
 */
final class AsciiView implements CharSequence {
    private Buffer buf;
    private int from;
    private int length;

    AsciiView() {
    }

    AsciiView(Buffer buf, int from, int to) {
        reset(buf, from, to);
    }

    AsciiView reset(Buffer b, int start, int end) {
        this.buf = b;
        this.from = start;
        this.length = end - start;
        return this;
    }

    /** Drops the buffer so that a pooled view does not keep it alive. */
    void clear() {
        buf = null;
        length = 0;
    }

    boolean inUse() {
        return buf != null;
    }

    @Override
    public int length() {
        return length;
    }

    @Override
    public char charAt(int index) {
        return (char) (buf.getByte(from + index) & 0xFF);
    }

    @Override
    public CharSequence subSequence(int start, int end) {
        return new AsciiView(buf, from + start, from + end);
    }

    @Override
    public String toString() {
        return buf.getString(from, from + length, StandardCharsets.UTF_8.name());
    }
}
