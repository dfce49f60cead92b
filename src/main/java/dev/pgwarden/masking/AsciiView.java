package dev.pgwarden.masking;

import java.nio.charset.StandardCharsets;

import io.vertx.core.buffer.Buffer;

/**
 * A range of UTF-8 bytes seen as characters, one per byte: ASCII reads as itself and every byte of
 * a multi-byte sequence as a unit at or above 0x80, which is all the detectors need.
 */
final class AsciiView implements CharSequence {
    private final Buffer buf;
    private final int from;
    private final int length;

    AsciiView(Buffer buf, int from, int to) {
        this.buf = buf;
        this.from = from;
        this.length = to - from;
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
