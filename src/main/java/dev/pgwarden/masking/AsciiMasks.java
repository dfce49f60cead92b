package dev.pgwarden.masking;

import java.nio.charset.StandardCharsets;

/**
 * {@link TextMasks} on UTF-8 bytes, without decoding them: REDACT for any value, LAST4 and EMAIL for
 * ASCII values only (the common case), where bytes are characters and the output is byte for byte
 * what the String form gives. Anything else is left to the String form.
 */
final class AsciiMasks {
    private static final byte[] REDACTED = TextMasks.REDACTED.getBytes(StandardCharsets.US_ASCII);
    private static final byte[] EMAIL_JOIN = "***@".getBytes(StandardCharsets.US_ASCII);

    private AsciiMasks() {
    }

    /**
     * Appends {@code function} applied to bytes {@code from..to} of {@code v} to {@code out}.
     *
     * @return false, with nothing appended, when the value needs the String form
     */
    static boolean apply(MaskFunction function, byte[] v, int from, int to, ScratchBytes out) {
        switch (function) {
            case REDACT:
                out.append(REDACTED, 0, REDACTED.length);
                return true;
            case LAST4:
                return last4(v, from, to, out);
            case EMAIL:
                if (!isAscii(v, from, to)) {
                    return false;
                }
                email(v, from, to, out);
                return true;
            default:
                return false;
        }
    }

    static boolean isAscii(byte[] v, int from, int to) {
        for (int i = from; i < to; i++) {
            if (v[i] < 0) {
                return false;
            }
        }
        return true;
    }

    /** False for a value that is not ASCII; counting and the ASCII check share one pass. */
    private static boolean last4(byte[] v, int from, int to, ScratchBytes out) {
        int total = 0;
        boolean ascii = true;
        for (int i = from; i < to; i++) {
            byte b = v[i];
            ascii &= b >= 0;
            if (isAlnum(b)) {
                total++;
            }
        }
        if (!ascii) {
            return false;
        }
        int hidden = total >= TextMasks.LAST4_MIN_LENGTH ? total - 4 : total;
        int at = out.extend(to - from);
        byte[] dst = out.array();
        int seen = 0;
        for (int i = from; i < to; i++, at++) {
            byte b = v[i];
            dst[at] = isAlnum(b) && seen++ < hidden ? (byte) '*' : b;
        }
        return true;
    }

    private static void email(byte[] v, int from, int to, ScratchBytes out) {
        // String.strip: leading and trailing Character.isWhitespace characters go
        while (from < to && Character.isWhitespace(v[from])) {
            from++;
        }
        while (to > from && Character.isWhitespace(v[to - 1])) {
            to--;
        }
        int at = to - 1;
        while (at >= from && v[at] != '@') {
            at--;
        }
        if (at <= from || at == to - 1) {
            out.append(REDACTED, 0, REDACTED.length);
            return;
        }
        out.append(v[from]).append(EMAIL_JOIN, 0, EMAIL_JOIN.length).append(v, at + 1, to);
    }

    /** Character.isLetterOrDigit restricted to ASCII. */
    private static boolean isAlnum(byte b) {
        return (b >= '0' && b <= '9') || (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z');
    }
}
