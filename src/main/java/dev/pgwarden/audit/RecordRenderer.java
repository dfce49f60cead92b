package dev.pgwarden.audit;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;

import dev.pgwarden.masking.ContentDetectors;
import dev.pgwarden.wire.PgTypeNames;

/**
 * Turns what a record holds as bytes into the JSON that is stored, hashed and shown: the captured
 * result ({@code {"columns":[{"name","type"}], "rows":[[...]], "truncated", "totalRows"}}) and the
 * bind parameters. Values are shown as PostgreSQL's text form: text-format values as sent, common
 * binary types decoded, anything else as {@code \x} hex. Parameters pass through the content
 * detectors first, so an SSN, card number or e-mail a client bound never reaches the store raw.
 * Writer thread only.
 */
final class RecordRenderer {
    private static final JsonFactory JSON = new JsonFactory();
    private static final HexFormat HEX = HexFormat.of();
    private static final LocalDate PG_EPOCH = LocalDate.of(2000, 1, 1);
    private static final long PG_EPOCH_SECONDS = 946_684_800L;
    private final ContentDetectors detectors;

    /** @param detectors what parameters are scanned with (all of them: the log keeps no PII raw) */
    RecordRenderer(ContentDetectors detectors) {
        this.detectors = detectors;
    }

    static String typeName(int oid) {
        return PgTypeNames.of(oid);
    }

    /**
     * The statement text with PII literals masked: clients that inline their parameters (psql,
     * psycopg2) put in the text what others bind, and the log keeps neither raw.
     */
    String text(String sql) {
        return sql == null ? null : detectors.scan(sql);
    }

    /** The parameters as a JSON array of strings (null for SQL NULL), masked; null when there were none. */
    String parameters(BindParameters params) {
        if (params == null) {
            return null;
        }
        StringWriter out = new StringWriter();
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartArray();
            for (int i = 0; i < params.values().length; i++) {
                byte[] v = params.values()[i];
                g.writeString(v == null ? null : detectors.scan(value(v, params.typeOf(i), params.formats()[i])));
            }
            g.writeEndArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    /** The captured result as JSON; null when the statement returned no result at all. */
    String result(ResultCapture capture) {
        if (capture.isEmpty()) {
            return null;
        }
        StringWriter out = new StringWriter();
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            List<ResultCapture.Column> columns = capture.columns();
            g.writeArrayFieldStart("columns");
            if (columns != null) {
                for (ResultCapture.Column c : columns) {
                    g.writeStartObject();
                    g.writeStringField("name", c.name());
                    g.writeStringField("type", typeName(c.typeOid()));
                    g.writeEndObject();
                }
            }
            g.writeEndArray();
            g.writeArrayFieldStart("rows");
            for (byte[] row : capture.rows()) {
                if (capture.isCopy()) {
                    g.writeStartArray();
                    g.writeString(new String(row, StandardCharsets.UTF_8));
                    g.writeEndArray();
                } else {
                    writeRow(g, row, columns);
                }
            }
            g.writeEndArray();
            g.writeBooleanField("truncated", capture.truncated());
            g.writeNumberField("totalRows", capture.totalRows());
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    /** A DataRow payload: column count, then each value as a length (-1 for NULL) and its bytes. */
    private static void writeRow(JsonGenerator g, byte[] row, List<ResultCapture.Column> columns) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(row);
        int n = b.getShort() & 0xffff;
        g.writeStartArray();
        for (int i = 0; i < n; i++) {
            int len = b.getInt();
            if (len < 0) {
                g.writeNull();
                continue;
            }
            byte[] v = new byte[len];
            b.get(v);
            ResultCapture.Column c = columns != null && i < columns.size() ? columns.get(i) : null;
            g.writeString(value(v, c == null ? 0 : c.typeOid(), c == null ? 0 : c.format()));
        }
        g.writeEndArray();
    }

    /** A value in PostgreSQL's text form where the gateway can tell it, else as {@code \x} hex. */
    static String value(byte[] v, int typeOid, int format) {
        if (format == 0) {
            String text = utf8(v);
            return text != null ? text : hex(v);
        }
        ByteBuffer b = ByteBuffer.wrap(v);
        try {
            switch (typeOid) {
                case 16:
                    return v.length == 1 ? (v[0] != 0 ? "t" : "f") : hex(v);
                case 21:
                    return v.length == 2 ? Short.toString(b.getShort()) : hex(v);
                case 23, 26:
                    return v.length == 4 ? (typeOid == 26 ? Integer.toUnsignedString(b.getInt())
                            : Integer.toString(b.getInt())) : hex(v);
                case 20:
                    return v.length == 8 ? Long.toString(b.getLong()) : hex(v);
                case 700:
                    return v.length == 4 ? Float.toString(b.getFloat()) : hex(v);
                case 701:
                    return v.length == 8 ? Double.toString(b.getDouble()) : hex(v);
                case 1082:
                    return v.length == 4 ? PG_EPOCH.plusDays(b.getInt()).toString() : hex(v);
                case 1114, 1184:
                    return v.length == 8 ? timestamp(b.getLong()) : hex(v);
                case 2950:
                    return v.length == 16 ? new UUID(b.getLong(), b.getLong()).toString() : hex(v);
                case 1700:
                    return numeric(b);
                case 3802:
                    return v.length > 0 && v[0] == 1 ? textOrHex(v, 1) : hex(v);
                case 25, 1043, 1042, 19, 114, 18, 0, 705:
                    return textOrHex(v, 0);
                default:
                    return hex(v);
            }
        } catch (RuntimeException e) {
            return hex(v); // a value that does not decode as its type is shown as it came
        }
    }

    private static String textOrHex(byte[] v, int from) {
        byte[] part = from == 0 ? v : java.util.Arrays.copyOfRange(v, from, v.length);
        String text = utf8(part);
        return text != null ? text : hex(v);
    }

    private static String utf8(byte[] v) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(v)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    private static String hex(byte[] v) {
        return "\\x" + HEX.formatHex(v);
    }

    private static String timestamp(long microsSince2000) {
        if (microsSince2000 == Long.MAX_VALUE) {
            return "infinity";
        }
        if (microsSince2000 == Long.MIN_VALUE) {
            return "-infinity";
        }
        long seconds = Math.floorDiv(microsSince2000, 1_000_000L);
        long micros = Math.floorMod(microsSince2000, 1_000_000L);
        return Instant.ofEpochSecond(PG_EPOCH_SECONDS + seconds, micros * 1000).toString();
    }

    /** Binary numeric: ndigits, weight, sign, dscale, then base-10000 digits. */
    private static String numeric(ByteBuffer b) {
        int ndigits = b.getShort() & 0xffff;
        int weight = b.getShort();
        int sign = b.getShort() & 0xffff;
        int dscale = b.getShort() & 0xffff;
        if (sign == 0xC000) {
            return "NaN";
        }
        if (sign == 0xD000) {
            return "Infinity";
        }
        if (sign == 0xF000) {
            return "-Infinity";
        }
        BigInteger unscaled = BigInteger.ZERO;
        for (int i = 0; i < ndigits; i++) {
            unscaled = unscaled.multiply(BigInteger.valueOf(10_000)).add(BigInteger.valueOf(b.getShort()));
        }
        // The digits stand for unscaled × 10000^(weight - ndigits + 1).
        BigDecimal value = new BigDecimal(unscaled).scaleByPowerOfTen(4 * (weight - ndigits + 1));
        if (sign == 0x4000) {
            value = value.negate();
        }
        return value.setScale(dscale, java.math.RoundingMode.UNNECESSARY).toPlainString();
    }
}
