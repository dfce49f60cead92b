package dev.pgwarden.masking;

/** Just enough JSON to read a value that is a single string literal and to write one. */
final class JsonStrings {
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private JsonStrings() {
    }

    /** A JSON string literal for {@code s}: quotes, backslashes and control characters escaped. */
    static String quote(String s) {
        StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case '\b' -> sb.append("\\b");
                case '\f' -> sb.append("\\f");
                default -> {
                    if (c < 0x20) {
                        sb.append("\\u00").append(HEX[c >> 4]).append(HEX[c & 0xF]);
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }

    /**
     * The content of {@code json} when it is exactly one string literal (surrounding whitespace
     * allowed), else null: objects, arrays, numbers, malformed text.
     */
    static String unquote(String json) {
        int from = 0;
        int to = json.length();
        while (from < to && isWhitespace(json.charAt(from))) {
            from++;
        }
        while (to > from && isWhitespace(json.charAt(to - 1))) {
            to--;
        }
        if (to - from < 2 || json.charAt(from) != '"' || json.charAt(to - 1) != '"') {
            return null;
        }
        StringBuilder sb = new StringBuilder(to - from);
        int i = from + 1;
        int last = to - 1;
        while (i < last) {
            char c = json.charAt(i++);
            if (c == '"') {
                return null; // the literal ended before the end: not a single string
            }
            if (c != '\\') {
                sb.append(c);
                continue;
            }
            if (i >= last) {
                return null;
            }
            char e = json.charAt(i++);
            switch (e) {
                case '"', '\\', '/' -> sb.append(e);
                case 'n' -> sb.append('\n');
                case 'r' -> sb.append('\r');
                case 't' -> sb.append('\t');
                case 'b' -> sb.append('\b');
                case 'f' -> sb.append('\f');
                case 'u' -> {
                    if (i + 4 > last) {
                        return null;
                    }
                    int code = 0;
                    for (int k = 0; k < 4; k++) {
                        int d = Character.digit(json.charAt(i++), 16);
                        if (d < 0) {
                            return null;
                        }
                        code = code << 4 | d;
                    }
                    sb.append((char) code);
                }
                default -> {
                    return null;
                }
            }
        }
        return sb.toString();
    }

    private static boolean isWhitespace(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r';
    }
}
