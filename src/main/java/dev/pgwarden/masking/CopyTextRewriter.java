package dev.pgwarden.masking;

import dev.pgwarden.wire.MessageFramer;
import dev.pgwarden.wire.MessageTypes;
import dev.pgwarden.wire.ProtocolException;
import io.vertx.core.buffer.Buffer;

/**
 * Masks the rows of a COPY ... TO STDOUT in text or CSV format, one CopyData frame at a time.
 * PostgreSQL sends one row per CopyData, but rows may arrive in any split: a row cut between
 * messages is held back until its end arrives. Each row is split into fields (on the unescaped or
 * unquoted delimiter), a field with a mask is decoded, masked and encoded again; every other byte is
 * copied as it came.
 *
 * <p>The plan is indexed by field; a null plan means detection on every field, read as text. COPY
 * reports no types, so give masks the column types from the catalog when known (a non-text type
 * masks to NULL); detection reads a field as JSON when it looks like an object or array or its mask
 * has a JSON type. A row with another number of fields than the plan is a protocol error, and so is
 * a held-back row longer than the limit. One instance per COPY; not thread-safe.
 */
public final class CopyTextRewriter {
    private static final int TEXT_ESCAPE = 1;
    private static final int CSV_QUOTED = 2;
    private static final int CSV_ESCAPE = 4;

    private final CopyFormat format;
    private final ColumnMask[] plan;
    private final ValueMasker masker;
    private final ContentDetectors detectors;
    private final int maxRowBytes;

    private Buffer pending;
    /** How much of {@link #pending} has been searched for a row end, and the state there. */
    private int pendingScanned;
    private int scanState;
    private boolean headerSeen;

    public CopyTextRewriter(CopyFormat format, ColumnMask[] plan, ValueMasker masker, ContentDetectors detectors) {
        this(format, plan, masker, detectors, MessageFramer.HARD_MAX_MESSAGE_SIZE);
    }

    /** @param maxRowBytes the longest row that may be held back while waiting for its end */
    public CopyTextRewriter(CopyFormat format, ColumnMask[] plan, ValueMasker masker, ContentDetectors detectors,
            int maxRowBytes) {
        if (format.isBinary()) {
            throw new IllegalArgumentException("binary COPY cannot be masked");
        }
        this.format = format;
        this.plan = plan == null ? null : plan.clone();
        this.masker = masker;
        this.detectors = detectors;
        this.maxRowBytes = maxRowBytes;
    }

    /**
     * @param start..end a whole CopyData ('d') frame, header included
     * @return null to relay the frame untouched (it held only whole rows and none changed), else the
     *         bytes to send in its place: one CopyData frame, or nothing while a row is incomplete
     */
    public Buffer onCopyData(Buffer buf, int start, int end) {
        if (end - start < 5 || buf.getByte(start) != MessageTypes.COPY_DATA || buf.getInt(start + 1) != end - start - 1) {
            throw new ProtocolException("not a CopyData message");
        }
        Buffer data;
        int from;
        int scanFrom;
        int state;
        boolean rebuild = pending != null;
        if (pending == null) {
            data = buf;
            from = start + 5;
            scanFrom = from;
            state = 0;
        } else {
            pending.appendBuffer(buf, start + 5, end - start - 5);
            data = pending;
            from = 0;
            scanFrom = pendingScanned;
            state = scanState;
        }
        int to = data == buf ? end : data.length();
        Buffer rows = null;
        int pos = from;
        while (pos < to) {
            long found = rowEnd(data, scanFrom, to, state);
            if (found < 0) {
                state = (int) (-found - 1);
                break;
            }
            int newline = (int) found;
            Buffer row = rewriteRow(data, pos, newline);
            if (row != null && rows == null) {
                rows = Buffer.buffer(to - from + 32).appendBuffer(data, from, pos - from);
            }
            if (row != null) {
                rows.appendBuffer(row).appendByte((byte) '\n');
            } else if (rows != null) {
                rows.appendBuffer(data, pos, newline + 1 - pos);
            }
            pos = newline + 1;
            scanFrom = pos;
            state = 0;
        }
        Buffer rest = null;
        if (pos < to) {
            if (to - pos > maxRowBytes) {
                throw new ProtocolException("COPY row longer than " + maxRowBytes + " bytes");
            }
            rest = Buffer.buffer(Math.max(256, (to - pos) * 2)).appendBuffer(data, pos, to - pos);
            rebuild = true;
        }
        pending = rest;
        pendingScanned = to - pos;
        scanState = state;
        if (!rebuild && rows == null) {
            return null;
        }
        if (rows == null) {
            rows = Buffer.buffer(pos - from).appendBuffer(data, from, pos - from);
        }
        return rows.length() == 0 ? Buffer.buffer(0) : copyData(rows);
    }

    /**
     * Call at CopyDone: a last row that never got its newline is masked and returned as a CopyData
     * frame (PostgreSQL always ends rows with one, so normally this is null).
     */
    public Buffer finish() {
        if (pending == null || pending.length() == 0) {
            pending = null;
            return null;
        }
        Buffer data = pending;
        pending = null;
        Buffer row = rewriteRow(data, 0, data.length());
        return copyData(row != null ? row : data);
    }

    /** Whether part of a row is held back, waiting for the rest of it. */
    public boolean hasPendingRow() {
        return pending != null && pending.length() > 0;
    }

    /**
     * The index of the newline ending the row being scanned from {@code from} in scan state
     * {@code state}, or, when the data ends first, {@code -(state at the end) - 1}.
     */
    private long rowEnd(Buffer data, int from, int to, int state) {
        boolean csv = format.kind() == CopyFormat.Kind.CSV;
        byte quote = format.quote();
        byte escape = format.escape();
        for (int i = from; i < to; i++) {
            byte c = data.getByte(i);
            if ((state & (TEXT_ESCAPE | CSV_ESCAPE)) != 0) {
                state &= ~(TEXT_ESCAPE | CSV_ESCAPE);
            } else if (!csv) {
                if (c == '\\') {
                    state = TEXT_ESCAPE;
                } else if (c == '\n') {
                    return i;
                }
            } else if ((state & CSV_QUOTED) != 0) {
                if (c == escape && escape != quote) {
                    state |= CSV_ESCAPE;
                } else if (c == quote) {
                    state = 0;
                }
            } else if (c == quote) {
                state = CSV_QUOTED;
            } else if (c == '\n') {
                return i;
            }
        }
        return -(long) state - 1;
    }

    /** The masked row (without its newline), or null when no field changed. */
    private Buffer rewriteRow(Buffer data, int from, int to) {
        if (format.header() && !headerSeen) {
            headerSeen = true;
            return null;
        }
        Buffer out = null;
        int copied = from;
        int field = 0;
        int fieldStart = from;
        while (true) {
            int fieldEnd = fieldEnd(data, fieldStart, to);
            ColumnMask mask = maskFor(field);
            if (mask != null && !CopyFieldCodec.isNull(format, data, fieldStart, fieldEnd)) {
                Buffer masked = mask(mask, data, fieldStart, fieldEnd);
                if (masked != null) {
                    if (out == null) {
                        out = Buffer.buffer(to - from + 32);
                    }
                    out.appendBuffer(data, copied, fieldStart - copied).appendBuffer(masked);
                    copied = fieldEnd;
                }
            }
            field++;
            if (fieldEnd >= to) {
                break;
            }
            fieldStart = fieldEnd + 1;
        }
        if (plan != null && field != plan.length) {
            throw new ProtocolException("COPY row has " + field + " fields but " + plan.length + " columns were planned");
        }
        if (out == null) {
            return null;
        }
        return out.appendBuffer(data, copied, to - copied);
    }

    private ColumnMask maskFor(int field) {
        if (plan == null) {
            return ColumnMask.DETECT_TEXT;
        }
        if (field >= plan.length) {
            throw new ProtocolException("COPY row has more fields than the " + plan.length + " planned columns");
        }
        return plan[field];
    }

    /** The encoded replacement of a non-NULL field, or null when it stays as it is. */
    private Buffer mask(ColumnMask mask, Buffer data, int from, int to) {
        boolean encoded = CopyFieldCodec.isEncoded(format, data, from, to);
        if (!mask.isDetect()) {
            byte[] value = encoded ? CopyFieldCodec.decode(format, data, from, to) : data.getBytes(from, to);
            byte[] masked = masker.mask(mask.function(), value, mask.typeOid(), 0);
            if (masked == null) {
                return Buffer.buffer(format.nullBytes());
            }
            Buffer out = Buffer.buffer(masked.length + 8);
            CopyFieldCodec.encode(format, masked, out);
            return out;
        }
        TypeClass type = TypeClass.of(mask.typeOid(), 0); // COPY text and CSV carry every value as text
        if (type == TypeClass.OTHER) {
            return null;
        }
        Buffer value = encoded ? Buffer.buffer(CopyFieldCodec.decode(format, data, from, to)) : data;
        int vFrom = encoded ? 0 : from;
        int vTo = encoded ? value.length() : to;
        Buffer found = type == TypeClass.JSON ? detectors.scan(value, vFrom, vTo, true)
                : type == TypeClass.STRUCTURED_TEXT ? detectors.scan(value, vFrom, vTo, false)
                : detectors.scanText(value, vFrom, vTo);
        if (found == null) {
            return null;
        }
        Buffer out = Buffer.buffer(found.length() + 8);
        CopyFieldCodec.encode(format, found.getBytes(), out);
        return out;
    }

    /** The end of the field starting at {@code from}: its unescaped, unquoted delimiter or the row end. */
    private int fieldEnd(Buffer data, int from, int to) {
        byte delimiter = format.delimiter();
        if (format.kind() == CopyFormat.Kind.TEXT) {
            for (int i = from; i < to; i++) {
                byte c = data.getByte(i);
                if (c == '\\') {
                    i++;
                } else if (c == delimiter) {
                    return i;
                }
            }
            return to;
        }
        byte quote = format.quote();
        byte escape = format.escape();
        boolean quoted = false;
        for (int i = from; i < to; i++) {
            byte c = data.getByte(i);
            if (quoted) {
                if (c == escape && escape != quote && i + 1 < to) {
                    byte next = data.getByte(i + 1);
                    if (next == quote || next == escape) {
                        i++;
                        continue;
                    }
                }
                if (c == quote) {
                    quoted = false;
                }
            } else if (c == quote) {
                quoted = true;
            } else if (c == delimiter) {
                return i;
            }
        }
        return to;
    }

    private static Buffer copyData(Buffer rows) {
        return Buffer.buffer(rows.length() + 5).appendByte(MessageTypes.COPY_DATA).appendInt(rows.length() + 4)
                .appendBuffer(rows);
    }
}
