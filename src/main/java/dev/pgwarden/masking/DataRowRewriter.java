package dev.pgwarden.masking;

import dev.pgwarden.wire.MessageTypes;
import dev.pgwarden.wire.ProtocolException;
import io.vertx.core.buffer.Buffer;

/**
 * Masks the columns of a DataRow ('D') frame according to a plan built from its RowDescription.
 * When no value changes the answer is null and nothing was allocated: the caller relays the
 * original bytes. Otherwise the answer is a new
 * DataRow whose column lengths and message length are recomputed, with untouched columns copied
 * byte for byte. A row whose column count differs from the plan is a protocol error: masking must
 * not guess. SQL NULL stays NULL under every mask. Thread-safe.
 *
 * <p>Works on a per-thread copy of the frame ({@link RowEdits}): the first pass masks the values
 * into scratch arrays, the second writes the new frame there and hands it over in one Buffer of its
 * exact size. No value is decoded to a String unless it must be (see {@link ValueMasker}).
 */
public final class DataRowRewriter {
    private static final ThreadLocal<RowEdits> EDITS = ThreadLocal.withInitial(RowEdits::new);

    private final ValueMasker masker;
    private final ContentDetectors detectors;

    public DataRowRewriter(ValueMasker masker, ContentDetectors detectors) {
        this.masker = masker;
        this.detectors = detectors;
    }

    /**
     * @param start..end the whole frame, header included
     * @param plan one entry per column: null to pass the value, else what to do with it
     * @return the rewritten frame, or null when no value changed
     */
    public Buffer rewrite(Buffer buf, int start, int end, ColumnMask[] plan) {
        if (end - start < 7 || buf.getByte(start) != MessageTypes.DATA_ROW) {
            throw new ProtocolException("not a DataRow message");
        }
        if (buf.getInt(start + 1) != end - start - 1) {
            throw new ProtocolException("DataRow length does not match its frame");
        }
        int count = buf.getUnsignedShort(start + 5);
        if (count != plan.length) {
            throw new ProtocolException("DataRow has " + count + " columns but its row description had " + plan.length);
        }
        RowEdits edits = EDITS.get();
        try {
            byte[] f = edits.load(buf, start, end);
            int n = end - start;
            int pos = 7;
            for (int c = 0; c < count; c++) {
                if (pos + 4 > n) {
                    throw new ProtocolException("DataRow truncated in column " + (c + 1));
                }
                int length = readInt(f, pos);
                int valueStart = pos + 4;
                int valueEnd = length == -1 ? valueStart : valueStart + length;
                if (length < -1 || valueEnd > n || valueEnd < valueStart) {
                    throw new ProtocolException("DataRow column " + (c + 1) + " has an invalid length " + length);
                }
                ColumnMask mask = plan[c];
                if (mask != null && length >= 0) {
                    edit(mask, f, pos, valueStart, valueEnd, edits);
                }
                pos = valueEnd;
            }
            if (pos != n) {
                throw new ProtocolException("DataRow has " + (n - pos) + " bytes after its last column");
            }
            return edits.isEmpty() ? null : edits.apply();
        } finally {
            edits.clear();
        }
    }

    /** Masks one value into {@code edits}; records nothing when detection leaves it as it was. */
    private void edit(ColumnMask mask, byte[] f, int pos, int valueStart, int valueEnd, RowEdits edits) {
        ScratchBytes out = edits.bytes();
        int mark = out.length();
        if (!mask.isDetect()) {
            boolean notNull = masker.mask(mask, f, valueStart, valueEnd, out);
            edits.add(pos, valueEnd, mark, notNull ? out.length() - mark : -1);
        } else if (detect(mask, f, valueStart, valueEnd, out)) {
            edits.add(pos, valueEnd, mark, out.length() - mark);
        }
    }

    private static int readInt(byte[] a, int i) {
        return (a[i] & 0xFF) << 24 | (a[i + 1] & 0xFF) << 16 | (a[i + 2] & 0xFF) << 8 | (a[i + 3] & 0xFF);
    }

    private boolean detect(ColumnMask mask, byte[] f, int from, int to, ScratchBytes out) {
        switch (mask.typeClass()) {
            case TEXT:
                return detectors.scanText(f, from, to, out);
            case STRUCTURED_TEXT:
                return detectors.scan(f, from, to, false, out); // array or record text, never JSON
            case JSON:
                return detectors.scan(f, from, to, true, out);
            case JSONB_BINARY:
                if (to == from || f[from] != 1) {
                    return false;
                }
                int mark = out.length();
                out.append((byte) 1);
                if (detectors.scan(f, from + 1, to, true, out)) {
                    return true;
                }
                out.truncate(mark);
                return false;
            default:
                return false;
        }
    }
}
