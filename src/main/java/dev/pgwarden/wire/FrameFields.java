package dev.pgwarden.wire;

import io.vertx.core.buffer.Buffer;

/**
 * Bounds-checked steps over a frame's fields, as PostgreSQL's pq_getmsg* functions take them: each
 * returns the position after the field, or throws a {@link ProtocolException} naming the message
 * when the field would run past {@code end}. Positions are plain ints, so checking a frame
 * allocates nothing unless it fails.
 */
final class FrameFields {
    private final String side;

    /** @param side who sent the frames, for the error message ("" or " from the upstream database") */
    FrameFields(String side) {
        this.side = side;
    }

    int fixed(String message, int pos, int bytes, int end) {
        if (bytes < 0 || end - pos < bytes) {
            throw invalid(message, "a field runs past the end of the message");
        }
        return pos + bytes;
    }

    int int16(Buffer buf, String message, int pos, int end) {
        fixed(message, pos, 2, end);
        return buf.getUnsignedShort(pos);
    }

    int int32(Buffer buf, String message, int pos, int end) {
        fixed(message, pos, 4, end);
        return buf.getInt(pos);
    }

    /** Past the NUL of the string starting at {@code pos}. */
    int cstring(Buffer buf, String message, int pos, int end) {
        for (int i = pos; i < end; i++) {
            if (buf.getByte(i) == 0) {
                return i + 1;
            }
        }
        throw invalid(message, "a string has no terminating NUL within the message");
    }

    /** Past {@code count} values, each an int32 length (-1 for NULL) and that many bytes. */
    int values(Buffer buf, String message, int pos, int count, int end) {
        for (int i = 0; i < count; i++) {
            int length = int32(buf, message, pos, end);
            pos += 4;
            if (length < -1) {
                throw invalid(message, "value " + (i + 1) + " has the invalid length " + length);
            }
            if (length > 0) {
                pos = fixed(message, pos, length, end);
            }
        }
        return pos;
    }

    void end(String message, int pos, int end) {
        if (pos != end) {
            throw invalid(message, "unexpected bytes after its last field (" + (end - pos) + ")");
        }
    }

    ProtocolException invalid(String message, String why) {
        return new ProtocolException("invalid " + message + " message" + side + ": " + why);
    }
}
