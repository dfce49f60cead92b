package dev.pgwarden.masking;

import java.util.Arrays;

import io.vertx.core.buffer.Buffer;

/**
 * Decodes one field of a COPY text or CSV row into its value bytes and encodes a value back, the
 * way PostgreSQL's COPY TO writes it ({@code CopyAttributeOutText} / {@code CopyAttributeOutCSV}).
 */
final class CopyFieldCodec {
    private CopyFieldCodec() {
    }

    /** Whether the raw field differs from its value (escapes in text, quotes in CSV). */
    static boolean isEncoded(CopyFormat format, Buffer buf, int from, int to) {
        byte marker = format.kind() == CopyFormat.Kind.CSV ? format.quote() : (byte) '\\';
        for (int i = from; i < to; i++) {
            if (buf.getByte(i) == marker) {
                return true;
            }
        }
        return false;
    }

    static boolean isNull(CopyFormat format, Buffer buf, int from, int to) {
        byte[] marker = format.nullBytes();
        if (to - from != marker.length) {
            return false;
        }
        for (int i = 0; i < marker.length; i++) {
            if (buf.getByte(from + i) != marker[i]) {
                return false;
            }
        }
        return true;
    }

    static byte[] decode(CopyFormat format, Buffer buf, int from, int to) {
        return format.kind() == CopyFormat.Kind.CSV ? decodeCsv(format, buf, from, to) : decodeText(buf, from, to);
    }

    static void encode(CopyFormat format, byte[] value, Buffer out) {
        if (format.kind() == CopyFormat.Kind.CSV) {
            encodeCsv(format, value, out);
        } else {
            encodeText(format.delimiter(), value, out);
        }
    }

    /** Text format: \b \f \n \r \t \v, \NNN octal, \xHH hex, and a backslash before any other byte. */
    static byte[] decodeText(Buffer buf, int from, int to) {
        Buffer out = Buffer.buffer(to - from);
        int i = from;
        while (i < to) {
            byte c = buf.getByte(i++);
            if (c != '\\' || i >= to) {
                out.appendByte(c);
                continue;
            }
            byte e = buf.getByte(i++);
            if (e >= '0' && e <= '7') {
                int v = e - '0';
                for (int k = 0; k < 2 && i < to && buf.getByte(i) >= '0' && buf.getByte(i) <= '7'; k++) {
                    v = v * 8 + buf.getByte(i++) - '0';
                }
                out.appendByte((byte) v);
            } else if (e == 'x' && i < to && Character.digit(buf.getByte(i), 16) >= 0) {
                int v = Character.digit(buf.getByte(i++), 16);
                if (i < to && Character.digit(buf.getByte(i), 16) >= 0) {
                    v = v * 16 + Character.digit(buf.getByte(i++), 16);
                }
                out.appendByte((byte) v);
            } else {
                out.appendByte(switch (e) {
                    case 'b' -> (byte) '\b';
                    case 'f' -> (byte) '\f';
                    case 'n' -> (byte) '\n';
                    case 'r' -> (byte) '\r';
                    case 't' -> (byte) '\t';
                    case 'v' -> (byte) 0x0B;
                    default -> e;
                });
            }
        }
        return out.getBytes();
    }

    static void encodeText(byte delimiter, byte[] value, Buffer out) {
        for (byte c : value) {
            byte escaped = switch (c) {
                case '\b' -> (byte) 'b';
                case '\f' -> (byte) 'f';
                case '\n' -> (byte) 'n';
                case '\r' -> (byte) 'r';
                case '\t' -> (byte) 't';
                case 0x0B -> (byte) 'v';
                case '\\' -> (byte) '\\';
                default -> c == delimiter ? c : 0;
            };
            if (escaped != 0) {
                out.appendByte((byte) '\\').appendByte(escaped);
            } else {
                out.appendByte(c);
            }
        }
    }

    /** CSV: quoted sections with the escape byte before a quote or escape, or a doubled quote. */
    static byte[] decodeCsv(CopyFormat format, Buffer buf, int from, int to) {
        byte quote = format.quote();
        byte escape = format.escape();
        Buffer out = Buffer.buffer(to - from);
        boolean quoted = false;
        int i = from;
        while (i < to) {
            byte c = buf.getByte(i++);
            if (!quoted) {
                if (c == quote) {
                    quoted = true;
                } else {
                    out.appendByte(c);
                }
            } else if (c == escape && i < to && (buf.getByte(i) == quote || buf.getByte(i) == escape)) {
                out.appendByte(buf.getByte(i++));
            } else if (c == quote) {
                quoted = false;
            } else {
                out.appendByte(c);
            }
        }
        return out.getBytes();
    }

    static void encodeCsv(CopyFormat format, byte[] value, Buffer out) {
        byte quote = format.quote();
        byte escape = format.escape();
        if (!needsQuotes(format, value)) {
            out.appendBytes(value);
            return;
        }
        out.appendByte(quote);
        for (byte c : value) {
            if (c == quote || c == escape) {
                out.appendByte(escape);
            }
            out.appendByte(c);
        }
        out.appendByte(quote);
    }

    private static boolean needsQuotes(CopyFormat format, byte[] value) {
        if (Arrays.equals(value, format.nullBytes())
                || (value.length == 2 && value[0] == '\\' && value[1] == '.')) {
            return true;
        }
        for (byte c : value) {
            if (c == format.delimiter() || c == format.quote() || c == '\n' || c == '\r') {
                return true;
            }
        }
        return false;
    }
}
