package dev.pgwarden.wire;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import io.vertx.core.buffer.Buffer;

/** Reads a DataRow ('D') frame's values. */
public final class DataRows {
    private DataRows() {
    }

    /** The values of a text-format row as strings, null for SQL NULL; {@code start} is the frame's first byte. */
    public static List<String> textValues(Buffer buf, int start) {
        int columns = buf.getUnsignedShort(start + 5);
        List<String> row = new ArrayList<>(columns);
        int pos = start + 7;
        for (int i = 0; i < columns; i++) {
            int len = buf.getInt(pos);
            pos += 4;
            if (len < 0) {
                row.add(null);
            } else {
                row.add(buf.getString(pos, pos + len, StandardCharsets.UTF_8.name()));
                pos += len;
            }
        }
        return row;
    }
}
