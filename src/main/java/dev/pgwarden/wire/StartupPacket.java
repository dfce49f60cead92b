package dev.pgwarden.wire;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

import io.vertx.core.buffer.Buffer;

/** The untyped first packet of a connection, decoded by its request code. */
public sealed interface StartupPacket {

    record SslRequest() implements StartupPacket {
    }

    record GssEncRequest() implements StartupPacket {
    }

    /** Protocol 3.2 allows secrets of up to 256 bytes, so the secret is kept as bytes. */
    record CancelRequest(int processId, byte[] secret) implements StartupPacket {
        @Override
        public boolean equals(Object o) {
            return o instanceof CancelRequest c && c.processId == processId && Arrays.equals(c.secret, secret);
        }

        @Override
        public int hashCode() {
            return 31 * processId + Arrays.hashCode(secret);
        }

        @Override
        public String toString() {
            return "CancelRequest[pid=" + processId + "]"; // never print the secret
        }
    }

    record Startup(int majorVersion, int minorVersion, Map<String, String> parameters) implements StartupPacket {
        public String user() {
            return parameters.get("user");
        }

        /** As in PostgreSQL, a missing or empty database name means the user name. */
        public String database() {
            String db = parameters.get("database");
            return db == null || db.isEmpty() ? user() : db;
        }
    }

    int MAX_CANCEL_SECRET = 256;

    /** Decodes the packet spanning {@code start..end} of {@code buf} (length field included). */
    static StartupPacket parse(Buffer buf, int start, int end) {
        int length = end - start;
        if (length < 8) {
            throw new ProtocolException("startup packet too short");
        }
        int code = buf.getInt(start + 4);
        switch (code) {
            case MessageTypes.SSL_REQUEST_CODE:
                requireLength(length == 8, "SSLRequest");
                return new SslRequest();
            case MessageTypes.GSSENC_REQUEST_CODE:
                requireLength(length == 8, "GSSENCRequest");
                return new GssEncRequest();
            case MessageTypes.CANCEL_REQUEST_CODE:
                requireLength(length >= 16 && length <= 12 + MAX_CANCEL_SECRET, "CancelRequest");
                return new CancelRequest(buf.getInt(start + 8), buf.getBytes(start + 12, end));
            default:
                return parseStartup(buf, start, end, code);
        }
    }

    private static Startup parseStartup(Buffer buf, int start, int end, int version) {
        Map<String, String> params = new LinkedHashMap<>();
        int pos = start + 8;
        boolean terminated = false;
        while (pos < end) {
            int nameEnd = Frames.stringEnd(buf, pos, end);
            if (nameEnd == pos) {
                pos++; // the terminating empty name
                terminated = true;
                break;
            }
            String name = buf.getString(pos, nameEnd, StandardCharsets.UTF_8.name());
            int valueEnd = Frames.stringEnd(buf, nameEnd + 1, end);
            params.put(name, buf.getString(nameEnd + 1, valueEnd, StandardCharsets.UTF_8.name()));
            pos = valueEnd + 1;
        }
        if (!terminated || pos != end) {
            // PostgreSQL: "invalid startup packet layout: expected terminator as last byte"
            throw new ProtocolException("malformed startup packet");
        }
        return new Startup(version >>> 16, version & 0xFFFF, params);
    }

    private static void requireLength(boolean ok, String what) {
        if (!ok) {
            throw new ProtocolException("invalid length of " + what);
        }
    }
}
