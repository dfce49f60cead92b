package dev.pgwarden.audit;

import java.util.ArrayList;
import java.util.List;

import io.vertx.core.buffer.Buffer;

/**
 * The rows of one statement exactly as the client received them, copied out of the relay's
 * buffers up to a cap in rows and bytes. Beyond the cap rows are only counted, and the capture
 * says it was truncated.
 */
final class ResultCapture {
    /** One result column: its name, type OID and wire format (0 text, 1 binary). */
    record Column(String name, int typeOid, int format) {
    }

    private final int maxRows;
    private final int maxBytes;
    private List<Column> columns;
    /** COPY TO STDOUT: each row is one CopyData payload (a line of text or CSV). */
    private boolean copy;
    /** DataRow payloads (column count, then length-prefixed values), or CopyData payloads. */
    private final List<byte[]> rows = new ArrayList<>();
    private long totalRows;
    private int bytes;
    private boolean truncated;

    ResultCapture(int maxRows, int maxBytes) {
        this.maxRows = maxRows;
        this.maxBytes = maxBytes;
    }

    void columns(List<Column> c) {
        columns = c;
    }

    boolean hasColumns() {
        return columns != null;
    }

    void copyOut() {
        copy = true;
        columns = List.of(new Column("copy", 25, 0));
    }

    boolean isCopy() {
        return copy;
    }

    /** Counts a row and copies bytes {@code from..to} of {@code buf} while under the caps. */
    void row(Buffer buf, int from, int to) {
        totalRows++;
        if (truncated) {
            return;
        }
        int len = to - from;
        if (rows.size() >= maxRows || (long) bytes + len > maxBytes) {
            truncated = true;
            return;
        }
        rows.add(buf.getBytes(from, to));
        bytes += len;
    }

    List<Column> columns() {
        return columns;
    }

    List<byte[]> rows() {
        return rows;
    }

    long totalRows() {
        return totalRows;
    }

    boolean truncated() {
        return truncated;
    }

    int bytes() {
        return bytes;
    }

    boolean isEmpty() {
        return columns == null && totalRows == 0;
    }
}
