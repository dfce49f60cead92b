package dev.pgwarden.masking;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import dev.pgwarden.wire.MessageTypes;
import dev.pgwarden.wire.ProtocolException;
import io.vertx.core.buffer.Buffer;

/** Reads the fields of a RowDescription ('T') frame. */
public final class RowDescriptionParser {
    /** Bytes after a field's name: table OID, attribute, type OID, size, modifier, format. */
    private static final int FIXED_PART = 4 + 2 + 4 + 2 + 4 + 2;

    private RowDescriptionParser() {
    }

    /** @param start..end the whole frame, header included */
    public static List<Field> parse(Buffer buf, int start, int end) {
        if (end - start < 7 || buf.getByte(start) != MessageTypes.ROW_DESCRIPTION) {
            throw new ProtocolException("not a RowDescription message");
        }
        if (buf.getInt(start + 1) != end - start - 1) {
            throw new ProtocolException("RowDescription length does not match its frame");
        }
        int count = buf.getUnsignedShort(start + 5);
        List<Field> fields = new ArrayList<>(count);
        int pos = start + 7;
        for (int i = 0; i < count; i++) {
            int nul = nul(buf, pos, end);
            String name = buf.getString(pos, nul, StandardCharsets.UTF_8.name());
            pos = nul + 1;
            if (pos + FIXED_PART > end) {
                throw new ProtocolException("RowDescription truncated in field " + (i + 1));
            }
            fields.add(new Field(name,
                    buf.getInt(pos),
                    buf.getShort(pos + 4),
                    buf.getInt(pos + 6),
                    buf.getShort(pos + 10),
                    buf.getInt(pos + 12),
                    buf.getShort(pos + 16)));
            pos += FIXED_PART;
        }
        if (pos != end) {
            throw new ProtocolException("RowDescription has " + (end - pos) + " bytes after its last field");
        }
        return fields;
    }

    private static int nul(Buffer buf, int from, int end) {
        for (int i = from; i < end; i++) {
            if (buf.getByte(i) == 0) {
                return i;
            }
        }
        throw new ProtocolException("RowDescription field name is not terminated");
    }
}
