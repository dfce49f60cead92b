package dev.pgwarden.masking;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import dev.pgwarden.wire.MessageTypes;
import dev.pgwarden.wire.ProtocolException;
import io.vertx.core.buffer.Buffer;

/**
 * The layout of COPY data: text (tab-separated, backslash escapes, {@code \N} for NULL), CSV
 * (comma-separated, quoted fields, empty unquoted field for NULL), or binary, which the gateway
 * cannot mask and refuses. CopyOutResponse reports format 0 for both text and CSV, so the kind comes
 * from the statement's options, which the caller also passes on through the withers (DELIMITER,
 * NULL, QUOTE, ESCAPE, HEADER). An ENCODING option other than UTF8 must be refused by the caller:
 * the rewriter reads the data as UTF-8.
 */
public final class CopyFormat {
    public enum Kind {
        TEXT, CSV, BINARY
    }

    private static final CopyFormat BINARY = new CopyFormat(Kind.BINARY, (byte) 0, (byte) 0, (byte) 0, "", false);

    private final Kind kind;
    private final byte delimiter;
    private final byte quote;
    /** 0: the same as the quote, as in PostgreSQL when ESCAPE is not given. */
    private final byte escape;
    private final String nullString;
    private final byte[] nullBytes;
    private final boolean header;

    private CopyFormat(Kind kind, byte delimiter, byte quote, byte escape, String nullString, boolean header) {
        this.kind = kind;
        this.delimiter = delimiter;
        this.quote = quote;
        this.escape = escape;
        this.nullString = nullString;
        this.nullBytes = nullString.getBytes(StandardCharsets.UTF_8);
        this.header = header;
        if (kind != Kind.BINARY) {
            validate();
        }
    }

    public static CopyFormat text() {
        return new CopyFormat(Kind.TEXT, (byte) '\t', (byte) 0, (byte) 0, "\\N", false);
    }

    public static CopyFormat csv() {
        return new CopyFormat(Kind.CSV, (byte) ',', (byte) '"', (byte) 0, "", false);
    }

    public static CopyFormat binary() {
        return BINARY;
    }

    /**
     * The format of a COPY OUT from its CopyOutResponse ('H') frame: binary when the overall format
     * is 1, else CSV defaults when the statement said {@code FORMAT csv}, else text defaults.
     */
    public static CopyFormat fromCopyOutResponse(Buffer buf, int start, int end, boolean csv) {
        if (readHeader(buf, start, end) == 1) {
            return BINARY;
        }
        return csv ? csv() : text();
    }

    /**
     * As above, keeping the options the statement declared (delimiter, null string, quote...). A
     * response that contradicts the declaration (binary declared, text reported, or the reverse) is
     * a protocol error.
     */
    public static CopyFormat fromCopyOutResponse(Buffer buf, int start, int end, CopyFormat declared) {
        int overall = readHeader(buf, start, end);
        if ((overall == 1) != (declared.kind == Kind.BINARY)) {
            throw new ProtocolException("COPY format " + overall + " does not match the statement's " + declared.kind);
        }
        return declared;
    }

    /** The number of columns a CopyOutResponse announces. */
    public static int columnCount(Buffer buf, int start, int end) {
        readHeader(buf, start, end);
        return buf.getUnsignedShort(start + 6);
    }

    private static int readHeader(Buffer buf, int start, int end) {
        if (end - start < 8 || buf.getByte(start) != MessageTypes.COPY_OUT_RESPONSE
                || buf.getInt(start + 1) != end - start - 1) {
            throw new ProtocolException("not a CopyOutResponse message");
        }
        int overall = buf.getByte(start + 5);
        int columns = buf.getUnsignedShort(start + 6);
        if (end - start != 8 + 2 * columns) {
            throw new ProtocolException("CopyOutResponse length does not match its " + columns + " columns");
        }
        if (overall != 0 && overall != 1) {
            throw new ProtocolException("unknown COPY format " + overall);
        }
        return overall;
    }

    public CopyFormat withDelimiter(char c) {
        return new CopyFormat(kind, ascii(c, "DELIMITER"), quote, escape, nullString, header);
    }

    public CopyFormat withNull(String s) {
        return new CopyFormat(kind, delimiter, quote, escape, s, header);
    }

    public CopyFormat withQuote(char c) {
        requireCsv("QUOTE");
        return new CopyFormat(kind, delimiter, ascii(c, "QUOTE"), escape, nullString, header);
    }

    public CopyFormat withEscape(char c) {
        requireCsv("ESCAPE");
        return new CopyFormat(kind, delimiter, quote, ascii(c, "ESCAPE"), nullString, header);
    }

    public CopyFormat withHeader(boolean h) {
        return new CopyFormat(kind, delimiter, quote, escape, nullString, h);
    }

    public Kind kind() {
        return kind;
    }

    public boolean isBinary() {
        return kind == Kind.BINARY;
    }

    public byte delimiter() {
        return delimiter;
    }

    public byte quote() {
        return quote;
    }

    public byte escape() {
        return escape != 0 ? escape : quote;
    }

    public String nullString() {
        return nullString;
    }

    byte[] nullBytes() {
        return nullBytes;
    }

    public boolean header() {
        return header;
    }

    private void requireCsv(String option) {
        if (kind != Kind.CSV) {
            throw new IllegalArgumentException("COPY " + option + " is available only in CSV mode");
        }
    }

    private void validate() {
        if (delimiter == '\n' || delimiter == '\r' || (kind == Kind.TEXT && delimiter == '\\')) {
            throw new IllegalArgumentException("COPY delimiter cannot be newline, carriage return or (in text) backslash");
        }
        if (kind == Kind.CSV && (delimiter == quote || quote == '\n' || quote == '\r')) {
            throw new IllegalArgumentException("COPY delimiter and quote must be different, and not a line end");
        }
        if (nullString.indexOf('\n') >= 0 || nullString.indexOf('\r') >= 0
                || nullString.indexOf((char) delimiter) >= 0
                || (kind == Kind.CSV && nullString.indexOf((char) quote) >= 0)) {
            throw new IllegalArgumentException("COPY NULL representation cannot contain a line end, the delimiter or the quote");
        }
    }

    private static byte ascii(char c, String option) {
        if (c == 0 || c > 0x7F) {
            throw new IllegalArgumentException("COPY " + option + " must be a single one-byte character");
        }
        return (byte) c;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CopyFormat f && f.kind == kind && f.delimiter == delimiter && f.quote == quote
                && f.escape() == escape() && f.nullString.equals(nullString) && f.header == header;
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(new Object[] { kind, delimiter, quote, escape(), nullString, header });
    }

    @Override
    public String toString() {
        return kind + (kind == Kind.BINARY ? "" : "[delimiter " + (int) delimiter + ", null '" + nullString + "'"
                + (kind == Kind.CSV ? ", quote " + (char) quote + ", escape " + (char) escape() : "")
                + (header ? ", header" : "") + "]");
    }
}
