package dev.pgwarden.wire;

import io.vertx.core.buffer.Buffer;

/**
 * Checks that a message from PostgreSQL fits its frame exactly before the gateway reads it
 * (login, result tracking and masking, audit capture, side queries): a broken or hostile upstream
 * gets a {@link ProtocolException} (08P01) naming the message, never an unchecked read. Protocol
 * 3.0 as the gateway negotiates it upstream; an unknown message type is refused, not relayed.
 */
public final class BackendLayout {
    private static final FrameFields FIELDS = new FrameFields(" from the upstream database");
    private static final int MAX_CANCEL_SECRET = 256;

    private BackendLayout() {
    }

    /** @throws ProtocolException when the frame {@code start..end} (header included) is malformed */
    public static void check(byte type, Buffer buf, int start, int end) {
        FrameFields f = FIELDS;
        int pos = start + 5;
        String message = name(type);
        switch (type) {
            case MessageTypes.DATA_ROW -> {
                int columns = f.int16(buf, message, pos, end);
                pos = f.values(buf, message, pos + 2, columns, end);
            }
            case MessageTypes.ROW_DESCRIPTION -> {
                int fields = f.int16(buf, message, pos, end);
                pos += 2;
                for (int i = 0; i < fields; i++) {
                    pos = f.cstring(buf, message, pos, end);
                    pos = f.fixed(message, pos, 18, end); // table oid, column, type oid, size, modifier, format
                }
            }
            case MessageTypes.AUTHENTICATION -> pos = authentication(buf, pos, end);
            case MessageTypes.PARAMETER_STATUS -> pos = f.cstring(buf, message, f.cstring(buf, message, pos, end), end);
            case MessageTypes.BACKEND_KEY_DATA -> {
                int secret = end - f.fixed(message, pos, 4, end);
                if (secret < 4 || secret > MAX_CANCEL_SECRET) {
                    throw f.invalid(message, "a cancel key of " + secret + " bytes");
                }
                pos = end;
            }
            case MessageTypes.READY_FOR_QUERY -> {
                f.fixed(message, pos, 1, end);
                byte status = buf.getByte(pos++);
                if (status != 'I' && status != 'T' && status != 'E') {
                    throw f.invalid(message, "unknown transaction status " + (status & 0xff));
                }
            }
            case MessageTypes.ERROR_RESPONSE, MessageTypes.NOTICE_RESPONSE -> {
                while (true) {
                    f.fixed(message, pos, 1, end);
                    if (buf.getByte(pos++) == 0) {
                        break;
                    }
                    pos = f.cstring(buf, message, pos, end);
                }
            }
            case MessageTypes.NOTIFICATION_RESPONSE -> {
                pos = f.fixed(message, pos, 4, end);
                pos = f.cstring(buf, message, f.cstring(buf, message, pos, end), end);
            }
            case MessageTypes.COMMAND_COMPLETE -> pos = f.cstring(buf, message, pos, end);
            case MessageTypes.COPY_IN_RESPONSE, MessageTypes.COPY_OUT_RESPONSE, MessageTypes.COPY_BOTH_RESPONSE -> {
                f.fixed(message, pos, 1, end);
                if ((buf.getByte(pos) & 0xff) > 1) {
                    throw f.invalid(message, "unknown overall format " + (buf.getByte(pos) & 0xff));
                }
                int columns = f.int16(buf, message, pos + 1, end);
                pos += 3;
                for (int i = 0; i < columns; i++) {
                    int format = f.int16(buf, message, pos, end);
                    if (format > 1) {
                        throw f.invalid(message, "unknown format code " + format + " for column " + (i + 1));
                    }
                    pos += 2;
                }
            }
            case MessageTypes.PARAMETER_DESCRIPTION -> {
                int types = f.int16(buf, message, pos, end);
                pos = f.fixed(message, pos + 2, 4 * types, end);
            }
            case MessageTypes.NEGOTIATE_PROTOCOL_VERSION -> {
                int options = f.int32(buf, message, pos + 4, end);
                if (options < 0) {
                    throw f.invalid(message, "a negative option count");
                }
                pos += 8;
                for (int i = 0; i < options; i++) {
                    pos = f.cstring(buf, message, pos, end);
                }
            }
            case MessageTypes.FUNCTION_CALL_RESPONSE -> pos = f.values(buf, message, pos, 1, end);
            case MessageTypes.PARSE_COMPLETE, MessageTypes.BIND_COMPLETE, MessageTypes.CLOSE_COMPLETE,
                    MessageTypes.NO_DATA, MessageTypes.EMPTY_QUERY_RESPONSE, MessageTypes.PORTAL_SUSPENDED,
                    MessageTypes.COPY_DONE -> {
                // no body
            }
            case MessageTypes.COPY_DATA -> {
                return; // opaque here; the COPY rewriter reads rows itself
            }
            default -> throw new ProtocolException("invalid message type " + (type & 0xff)
                    + " from the upstream database");
        }
        f.end(message, pos, end);
    }

    /** Authentication requests: OK and cleartext have no data, md5 a 4-byte salt, SASL a list of mechanisms. */
    private static int authentication(Buffer buf, int pos, int end) {
        FrameFields f = FIELDS;
        int kind = f.int32(buf, "Authentication", pos, end);
        pos += 4;
        switch (kind) {
            case MessageTypes.AUTH_MD5 -> pos = f.fixed("Authentication", pos, 4, end);
            case MessageTypes.AUTH_SASL -> {
                int next;
                while ((next = f.cstring(buf, "Authentication", pos, end)) != pos + 1) {
                    pos = next;
                }
                pos = next;
            }
            case MessageTypes.AUTH_SASL_CONTINUE, MessageTypes.AUTH_SASL_FINAL -> pos = end; // SCRAM's own text
            default -> {
                // OK and cleartext have nothing more; other methods are refused by the login itself
                if (kind != MessageTypes.AUTH_OK && kind != MessageTypes.AUTH_CLEARTEXT) {
                    pos = end;
                }
            }
        }
        return pos;
    }

    private static String name(byte type) {
        return switch (type) {
            case MessageTypes.DATA_ROW -> "DataRow";
            case MessageTypes.ROW_DESCRIPTION -> "RowDescription";
            case MessageTypes.AUTHENTICATION -> "Authentication";
            case MessageTypes.PARAMETER_STATUS -> "ParameterStatus";
            case MessageTypes.BACKEND_KEY_DATA -> "BackendKeyData";
            case MessageTypes.READY_FOR_QUERY -> "ReadyForQuery";
            case MessageTypes.ERROR_RESPONSE -> "ErrorResponse";
            case MessageTypes.NOTICE_RESPONSE -> "NoticeResponse";
            case MessageTypes.NOTIFICATION_RESPONSE -> "NotificationResponse";
            case MessageTypes.COMMAND_COMPLETE -> "CommandComplete";
            case MessageTypes.COPY_IN_RESPONSE -> "CopyInResponse";
            case MessageTypes.COPY_OUT_RESPONSE -> "CopyOutResponse";
            case MessageTypes.COPY_BOTH_RESPONSE -> "CopyBothResponse";
            case MessageTypes.PARAMETER_DESCRIPTION -> "ParameterDescription";
            case MessageTypes.NEGOTIATE_PROTOCOL_VERSION -> "NegotiateProtocolVersion";
            case MessageTypes.FUNCTION_CALL_RESPONSE -> "FunctionCallResponse";
            case MessageTypes.PARSE_COMPLETE -> "ParseComplete";
            case MessageTypes.BIND_COMPLETE -> "BindComplete";
            case MessageTypes.CLOSE_COMPLETE -> "CloseComplete";
            case MessageTypes.NO_DATA -> "NoData";
            case MessageTypes.EMPTY_QUERY_RESPONSE -> "EmptyQueryResponse";
            case MessageTypes.PORTAL_SUSPENDED -> "PortalSuspended";
            case MessageTypes.COPY_DONE -> "CopyDone";
            default -> "CopyData";
        };
    }
}
