package dev.pgwarden.wire;

import java.util.List;

import io.vertx.core.buffer.Buffer;

/** Static writers for the messages the gateway itself sends to clients. */
public final class BackendMessages {
    private BackendMessages() {
    }

    public static Buffer authenticationOk() {
        return MessageWriter.typed(MessageTypes.AUTHENTICATION).int32(MessageTypes.AUTH_OK).finish();
    }

    public static Buffer authenticationCleartextPassword() {
        return MessageWriter.typed(MessageTypes.AUTHENTICATION).int32(MessageTypes.AUTH_CLEARTEXT).finish();
    }

    public static Buffer parameterStatus(String name, String value) {
        return MessageWriter.typed(MessageTypes.PARAMETER_STATUS).cstring(name).cstring(value).finish();
    }

    public static Buffer backendKeyData(int processId, int secret) {
        return MessageWriter.typed(MessageTypes.BACKEND_KEY_DATA).int32(processId).int32(secret).finish();
    }

    /** @param status 'I' idle, 'T' in transaction, 'E' failed transaction */
    public static Buffer readyForQuery(char status) {
        return MessageWriter.typed(MessageTypes.READY_FOR_QUERY).int8(status).finish();
    }

    public static Buffer commandComplete(String tag) {
        return MessageWriter.typed(MessageTypes.COMMAND_COMPLETE).cstring(tag).finish();
    }

    public static Buffer negotiateProtocolVersion(int newestMinor, List<String> unsupportedOptions) {
        MessageWriter w = MessageWriter.typed(MessageTypes.NEGOTIATE_PROTOCOL_VERSION)
                .int32(newestMinor)
                .int32(unsupportedOptions.size());
        unsupportedOptions.forEach(w::cstring);
        return w.finish();
    }

    public static Buffer error(PgError error) {
        return fields(MessageTypes.ERROR_RESPONSE, error);
    }

    public static Buffer notice(PgError notice) {
        return fields(MessageTypes.NOTICE_RESPONSE, notice);
    }

    private static Buffer fields(byte type, PgError e) {
        MessageWriter w = MessageWriter.typed(type)
                .int8('S').cstring(e.severity())
                .int8('V').cstring(e.severity())
                .int8('C').cstring(e.sqlState())
                .int8('M').cstring(e.message());
        if (e.detail() != null) {
            w.int8('D').cstring(e.detail());
        }
        if (e.hint() != null) {
            w.int8('H').cstring(e.hint());
        }
        return w.int8(0).finish();
    }
}
