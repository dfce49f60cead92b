package dev.pgwarden.masking;

import java.util.Arrays;

import io.vertx.core.buffer.Buffer;

/**
 * One DataRow being rewritten: a copy of its frame (read with plain array loads rather than a Buffer
 * call per field) and its replaced columns in column order, each as where the column (length field
 * and value) sits in the frame plus its new value in a scratch array. Knowing every replacement
 * before writing gives the new frame's exact size. Reused per thread, so a row without changes
 * allocates nothing. Not thread-safe.
 */
final class RowEdits {
    /** Per edit: column start (its length field), value end, replacement offset, replacement length or -1. */
    private static final int FIELDS = 4;

    private final ScratchBytes frame = new ScratchBytes();
    private final ScratchBytes replacements = new ScratchBytes();
    private final ScratchBytes output = new ScratchBytes();
    private int[] edits = new int[FIELDS * 8];
    private int count;

    void clear() {
        frame.clear();
        replacements.clear();
        output.clear();
        count = 0;
    }

    boolean isEmpty() {
        return count == 0;
    }

    /** Copies bytes {@code start..end} of {@code buf}; the returned array holds them from 0. */
    byte[] load(Buffer buf, int start, int end) {
        return frame.load(buf, start, end);
    }

    /** Where replacement values are appended. */
    ScratchBytes bytes() {
        return replacements;
    }

    /** @param length the replacement's length at {@code offset} in {@link #bytes()}, -1 for SQL NULL */
    void add(int columnStart, int valueEnd, int offset, int length) {
        if (FIELDS * (count + 1) > edits.length) {
            edits = Arrays.copyOf(edits, edits.length * 2);
        }
        int e = FIELDS * count++;
        edits[e] = columnStart;
        edits[e + 1] = valueEnd;
        edits[e + 2] = offset;
        edits[e + 3] = length;
    }

    /** The loaded frame with every edit applied, as a new standalone frame. */
    Buffer apply() {
        byte[] in = frame.array();
        byte[] values = replacements.array();
        int copied = 0;
        for (int e = 0; e < FIELDS * count; e += FIELDS) {
            output.append(in, copied, edits[e]);
            int length = edits[e + 3];
            output.appendInt(length);
            if (length > 0) {
                output.append(values, edits[e + 2], edits[e + 2] + length);
            }
            copied = edits[e + 1];
        }
        output.append(in, copied, frame.length());
        int size = output.length();
        byte[] out = output.array();
        out[1] = (byte) ((size - 1) >>> 24);
        out[2] = (byte) ((size - 1) >>> 16);
        out[3] = (byte) ((size - 1) >>> 8);
        out[4] = (byte) (size - 1);
        return Buffer.buffer(size).appendBytes(out, 0, size);
    }
}
