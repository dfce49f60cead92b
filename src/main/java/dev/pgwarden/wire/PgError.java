package dev.pgwarden.wire;

import java.nio.charset.StandardCharsets;

import io.vertx.core.buffer.Buffer;

/** The fields of an ErrorResponse or NoticeResponse that the gateway writes or reads. */
public record PgError(String severity, String sqlState, String message, String detail, String hint) {

    public static PgError error(String sqlState, String message) {
        return new PgError("ERROR", sqlState, message, null, null);
    }

    public static PgError fatal(String sqlState, String message) {
        return new PgError("FATAL", sqlState, message, null, null);
    }

    public static PgError notice(String message) {
        return new PgError("NOTICE", "00000", message, null, null);
    }

    public PgError withDetail(String d) {
        return new PgError(severity, sqlState, message, d, hint);
    }

    public PgError withHint(String h) {
        return new PgError(severity, sqlState, message, detail, h);
    }

    public boolean isFatal() {
        return "FATAL".equals(severity) || "PANIC".equals(severity);
    }

    /** Parses an ErrorResponse/NoticeResponse frame spanning {@code start..end} (header included). */
    public static PgError parse(Buffer buf, int start, int end) {
        String severity = null;
        String localized = null;
        String code = null;
        String message = null;
        String detail = null;
        String hint = null;
        int pos = start + 5;
        while (pos < end) {
            byte field = buf.getByte(pos++);
            if (field == 0) {
                break;
            }
            int nul = Frames.stringEnd(buf, pos, end);
            String value = buf.getString(pos, nul, StandardCharsets.UTF_8.name());
            pos = nul + 1;
            switch (field) {
                case 'V' -> severity = value;
                case 'S' -> localized = value;
                case 'C' -> code = value;
                case 'M' -> message = value;
                case 'D' -> detail = value;
                case 'H' -> hint = value;
                default -> {
                    // other fields (position, where, file, line...) are not needed by the gateway
                }
            }
        }
        return new PgError(severity != null ? severity : localized, code, message, detail, hint);
    }
}
