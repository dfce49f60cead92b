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
 */
public final class DataRowRewriter {
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
        Buffer out = null;
        int pos = start + 7;
        for (int c = 0; c < count; c++) {
            if (pos + 4 > end) {
                throw new ProtocolException("DataRow truncated in column " + (c + 1));
            }
            int length = buf.getInt(pos);
            int valueStart = pos + 4;
            int valueEnd = length == -1 ? valueStart : valueStart + length;
            if (length < -1 || valueEnd > end) {
                throw new ProtocolException("DataRow column " + (c + 1) + " has an invalid length " + length);
            }
            ColumnMask mask = plan[c];
            if (mask != null && length >= 0) {
                if (mask.isDetect()) {
                    Buffer found = detect(mask, buf, valueStart, valueEnd);
                    if (found != null) {
                        out = begin(out, buf, start, pos, end);
                        out.appendInt(found.length()).appendBuffer(found);
                        pos = valueEnd;
                        continue;
                    }
                } else {
                    byte[] masked = masker.mask(mask.function(), buf.getBytes(valueStart, valueEnd), mask.typeOid(),
                            mask.formatCode());
                    out = begin(out, buf, start, pos, end);
                    if (masked == null) {
                        out.appendInt(-1);
                    } else {
                        out.appendInt(masked.length).appendBytes(masked);
                    }
                    pos = valueEnd;
                    continue;
                }
            }
            if (out != null) {
                out.appendBuffer(buf, pos, valueEnd - pos);
            }
            pos = valueEnd;
        }
        if (pos != end) {
            throw new ProtocolException("DataRow has " + (end - pos) + " bytes after its last column");
        }
        if (out == null) {
            return null;
        }
        out.setInt(1, out.length() - 1);
        return out;
    }

    private Buffer detect(ColumnMask mask, Buffer buf, int from, int to) {
        switch (mask.typeClass()) {
            case TEXT:
                return detectors.scanText(buf, from, to);
            case JSON:
                return detectors.scan(buf, from, to, true);
            case JSONB_BINARY:
                if (to == from || buf.getByte(from) != 1) {
                    return null;
                }
                Buffer json = detectors.scan(buf, from + 1, to, true);
                return json == null ? null : Buffer.buffer(json.length() + 1).appendByte((byte) 1).appendBuffer(json);
            default:
                return null;
        }
    }

    /** The output so far: header and the columns before {@code pos}, copied as they were. */
    private static Buffer begin(Buffer out, Buffer buf, int start, int pos, int end) {
        if (out != null) {
            return out;
        }
        Buffer b = Buffer.buffer(end - start + 32);
        b.appendBuffer(buf, start, pos - start);
        return b;
    }
}
