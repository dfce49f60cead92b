package dev.pgwarden.wire;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import io.vertx.core.buffer.Buffer;

/** Static writers for the messages the gateway sends to PostgreSQL as a client. */
public final class FrontendMessages {
    private FrontendMessages() {
    }

    public static Buffer sslRequest() {
        return MessageWriter.untyped().int32(MessageTypes.SSL_REQUEST_CODE).finish();
    }

    public static Buffer startup(Map<String, String> parameters) {
        MessageWriter w = MessageWriter.untyped().int32(MessageTypes.PROTOCOL_3_0);
        parameters.forEach((k, v) -> w.cstring(k).cstring(v));
        return w.int8(0).finish();
    }

    public static Buffer cancelRequest(int processId, byte[] secret) {
        return MessageWriter.untyped().int32(MessageTypes.CANCEL_REQUEST_CODE).int32(processId).bytes(secret).finish();
    }

    public static Buffer password(String password) {
        return MessageWriter.typed(MessageTypes.PASSWORD).cstring(password).finish();
    }

    public static Buffer saslInitialResponse(String mechanism, byte[] data) {
        return MessageWriter.typed(MessageTypes.PASSWORD).cstring(mechanism).int32(data.length).bytes(data).finish();
    }

    public static Buffer saslResponse(byte[] data) {
        return MessageWriter.typed(MessageTypes.PASSWORD).bytes(data).finish();
    }

    public static Buffer query(String sql) {
        return MessageWriter.typed(MessageTypes.QUERY).cstring(sql).finish();
    }

    /**
     * One statement through the extended protocol in a single write: Parse and Bind of the unnamed
     * statement and portal (parameters as text of unspecified type, so PostgreSQL infers them as it
     * does for literals; results as text), Describe of the portal, Execute of at most {@code maxRows}
     * rows (0 = all), Sync.
     *
     * @param parameters text values, null for SQL NULL
     */
    public static Buffer extendedQuery(String sql, List<String> parameters, int maxRows) {
        Buffer out = Buffer.buffer(64 + sql.length());
        MessageWriter.appendTo(out, MessageTypes.PARSE).cstring("").cstring(sql).int16(0).finish();
        MessageWriter bind = MessageWriter.appendTo(out, MessageTypes.BIND).cstring("").cstring("")
                .int16(0).int16(parameters.size());
        for (String p : parameters) {
            if (p == null) {
                bind.int32(-1);
            } else {
                byte[] b = p.getBytes(StandardCharsets.UTF_8);
                bind.int32(b.length).bytes(b);
            }
        }
        bind.int16(0).finish();
        MessageWriter.appendTo(out, MessageTypes.DESCRIBE).int8('P').cstring("").finish();
        MessageWriter.appendTo(out, MessageTypes.EXECUTE).cstring("").int32(maxRows).finish();
        MessageWriter.appendTo(out, MessageTypes.SYNC).finish();
        return out;
    }

    /** Describe of a portal: its RowDescription (with the formats its Bind chose) or NoData. */
    public static Buffer describePortal(String portal) {
        return MessageWriter.typed(MessageTypes.DESCRIBE).int8('P').cstring(portal).finish();
    }

    /** Ends a COPY FROM STDIN the client will not feed; the server answers with an error. */
    public static Buffer copyFail(String reason) {
        return MessageWriter.typed(MessageTypes.COPY_FAIL).cstring(reason).finish();
    }

    public static Buffer terminate() {
        return MessageWriter.typed(MessageTypes.TERMINATE).finish();
    }

    /**
     * Bind's result-column format codes, read past its parameters.
     *
     * @param pos where Bind's parameter format count starts (just after the statement name's NUL)
     */
    public static int[] bindResultFormats(Buffer buf, int pos) {
        int paramFormats = buf.getUnsignedShort(pos);
        pos += 2 + 2 * paramFormats;
        int params = buf.getUnsignedShort(pos);
        pos += 2;
        for (int i = 0; i < params; i++) {
            int len = buf.getInt(pos);
            pos += 4 + Math.max(len, 0);
        }
        int n = buf.getUnsignedShort(pos);
        pos += 2;
        int[] formats = new int[n];
        for (int i = 0; i < n; i++) {
            formats[i] = buf.getShort(pos + 2 * i);
        }
        return formats;
    }
}
