package dev.pgwarden.wire;

import io.vertx.core.buffer.Buffer;

/**
 * Checks that a client message's fields fit its frame exactly, before anything reads them: counts
 * and lengths that lie, strings without their NUL, truncated or overlong bodies and unknown types
 * become a {@link ProtocolException} (08P01), as PostgreSQL's own checks do. Readers of a checked
 * frame (the gate, the result tracker, the audit trail) may then take its fields as they come.
 * Startup-phase packets are checked by {@link StartupPacket#parse}.
 */
public final class FrontendLayout {
    private static final FrameFields FIELDS = new FrameFields("");

    private FrontendLayout() {
    }

    /** @throws ProtocolException when the frame {@code start..end} (header included) is malformed */
    public static void check(byte type, Buffer buf, int start, int end) {
        FrameFields f = FIELDS;
        int pos = start + 5;
        switch (type) {
            case MessageTypes.QUERY -> pos = f.cstring(buf, "Query", pos, end);
            case MessageTypes.COPY_FAIL -> pos = f.cstring(buf, "CopyFail", pos, end);
            case MessageTypes.PARSE -> {
                pos = f.cstring(buf, "Parse", pos, end);
                pos = f.cstring(buf, "Parse", pos, end);
                int types = f.int16(buf, "Parse", pos, end);
                pos = f.fixed("Parse", pos + 2, 4 * types, end);
            }
            case MessageTypes.BIND -> {
                pos = f.cstring(buf, "Bind", pos, end);
                pos = f.cstring(buf, "Bind", pos, end);
                pos = formatsAndValues(buf, "Bind", pos, end);
                int results = f.int16(buf, "Bind", pos, end);
                pos = f.fixed("Bind", pos + 2, 2 * results, end);
            }
            case MessageTypes.DESCRIBE, MessageTypes.CLOSE -> {
                String message = type == MessageTypes.DESCRIBE ? "Describe" : "Close";
                f.fixed(message, pos, 1, end);
                byte kind = buf.getByte(pos);
                if (kind != 'S' && kind != 'P') {
                    throw f.invalid(message, "it names neither a statement ('S') nor a portal ('P')");
                }
                pos = f.cstring(buf, message, pos + 1, end);
            }
            case MessageTypes.EXECUTE -> {
                pos = f.cstring(buf, "Execute", pos, end);
                pos = f.fixed("Execute", pos, 4, end);
            }
            case MessageTypes.FUNCTION_CALL -> {
                pos = f.fixed("FunctionCall", pos, 4, end);
                pos = formatsAndValues(buf, "FunctionCall", pos, end);
                pos = f.fixed("FunctionCall", pos, 2, end);
            }
            case MessageTypes.SYNC, MessageTypes.FLUSH, MessageTypes.COPY_DONE -> {
                // no body
            }
            case MessageTypes.COPY_DATA, MessageTypes.PASSWORD, MessageTypes.TERMINATE -> {
                return; // opaque bytes; a password message is read by the login, Terminate's body is ignored
            }
            default -> throw new ProtocolException("invalid frontend message type " + (type & 0xff));
        }
        f.end(name(type), pos, end);
    }

    private static String name(byte type) {
        return switch (type) {
            case MessageTypes.QUERY -> "Query";
            case MessageTypes.COPY_FAIL -> "CopyFail";
            case MessageTypes.PARSE -> "Parse";
            case MessageTypes.BIND -> "Bind";
            case MessageTypes.DESCRIBE -> "Describe";
            case MessageTypes.CLOSE -> "Close";
            case MessageTypes.EXECUTE -> "Execute";
            case MessageTypes.FUNCTION_CALL -> "FunctionCall";
            case MessageTypes.SYNC -> "Sync";
            case MessageTypes.FLUSH -> "Flush";
            default -> "CopyDone";
        };
    }

    /** Format codes, then values: as many codes as values, one for all, or none (all text). */
    private static int formatsAndValues(Buffer buf, String message, int pos, int end) {
        FrameFields f = FIELDS;
        int formats = f.int16(buf, message, pos, end);
        pos = f.fixed(message, pos + 2, 2 * formats, end);
        int values = f.int16(buf, message, pos, end);
        if (formats > 1 && formats != values) {
            throw f.invalid(message, formats + " format codes for " + values + " values");
        }
        return f.values(buf, message, pos + 2, values, end);
    }
}
