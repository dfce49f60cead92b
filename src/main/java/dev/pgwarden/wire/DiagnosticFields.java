package dev.pgwarden.wire;

import java.util.ArrayList;
import java.util.List;

import io.vertx.core.buffer.Buffer;

/**
 * Every field of an ErrorResponse or NoticeResponse as PostgreSQL sent it, in order, so the
 * gateway can rewrite some fields' text and send the rest back byte for byte. (The field codes are
 * those of PostgreSQL's "Error and Notice Message Fields": S, V, C, M, D, H, P, p, q, W, s, t, c,
 * d, n, F, L, R.)
 */
public final class DiagnosticFields {
    public static final char SEVERITY = 'S';
    public static final char SQLSTATE = 'C';
    public static final char MESSAGE = 'M';
    public static final char DETAIL = 'D';
    public static final char HINT = 'H';
    public static final char POSITION = 'P';
    public static final char INTERNAL_POSITION = 'p';
    public static final char INTERNAL_QUERY = 'q';
    public static final char WHERE = 'W';
    public static final char SCHEMA = 's';
    public static final char TABLE = 't';
    public static final char COLUMN = 'c';
    public static final char DATA_TYPE = 'd';
    public static final char CONSTRAINT = 'n';
    public static final char FILE = 'F';
    public static final char ROUTINE = 'R';

    private final char[] codes;
    private final String[] values;

    private DiagnosticFields(char[] codes, String[] values) {
        this.codes = codes;
        this.values = values;
    }

    /** Parses the frame {@code start..end} (header included). */
    public static DiagnosticFields parse(Buffer buf, int start, int end) {
        List<Character> codes = new ArrayList<>(12);
        List<String> values = new ArrayList<>(12);
        int pos = start + 5;
        while (pos < end) {
            byte code = buf.getByte(pos++);
            if (code == 0) {
                break;
            }
            int nul = Frames.stringEnd(buf, pos, end);
            codes.add((char) (code & 0xff));
            values.add(Frames.string(buf, pos, nul));
            pos = nul + 1;
        }
        char[] c = new char[codes.size()];
        for (int i = 0; i < c.length; i++) {
            c[i] = codes.get(i);
        }
        return new DiagnosticFields(c, values.toArray(new String[0]));
    }

    /** The value of field {@code code}, or null when absent. */
    public String get(char code) {
        for (int i = 0; i < codes.length; i++) {
            if (codes[i] == code) {
                return values[i];
            }
        }
        return null;
    }

    public int size() {
        return codes.length;
    }

    public char code(int i) {
        return codes[i];
    }

    public String value(int i) {
        return values[i];
    }

    /** The same fields with field {@code i}'s value replaced. */
    public DiagnosticFields with(int i, String value) {
        String[] v = values.clone();
        v[i] = value;
        return new DiagnosticFields(codes, v);
    }

    /** The message of type {@code type} ({@link MessageTypes#ERROR_RESPONSE} or NOTICE_RESPONSE) with these fields. */
    public Buffer toMessage(byte type) {
        MessageWriter w = MessageWriter.typed(type);
        for (int i = 0; i < codes.length; i++) {
            w.int8(codes[i]).cstring(values[i]);
        }
        return w.int8(0).finish();
    }
}
