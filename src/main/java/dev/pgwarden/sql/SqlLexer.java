package dev.pgwarden.sql;

import java.util.ArrayList;
import java.util.List;

/**
 * Cuts SQL text into tokens exactly where PostgreSQL's scanner would (standard_conforming_strings on), so that
 * quoting tricks cannot make the gateway see different statements than the server. Comments are dropped.
 */
public final class SqlLexer {

    private SqlLexer() {
    }

    public static List<SqlToken> lex(String sql) {
        return new Run(sql).all();
    }

    /** True if the text holds no tokens at all (only whitespace and comments). */
    public static boolean isBlank(String sql) {
        return lex(sql).isEmpty();
    }

    public static boolean isIdentStart(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80;
    }

    public static boolean isIdentPart(char c) {
        return isIdentStart(c) || (c >= '0' && c <= '9') || c == '$';
    }

    // PostgreSQL's whitespace is exactly these; everything >= 0x80 (even U+00A0) is an identifier character.
    private static boolean isSpace(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\u000b';
    }

    private static boolean isOpChar(char c) {
        return "~!@#^&|`?+-*/%<>=".indexOf(c) >= 0;
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    /** ASCII-only lower-casing, as PostgreSQL folds unquoted identifiers in UTF-8 databases. */
    public static String fold(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c >= 'A' && c <= 'Z') {
                char[] chars = s.toCharArray();
                for (int j = i; j < chars.length; j++) {
                    if (chars[j] >= 'A' && chars[j] <= 'Z') {
                        chars[j] = (char) (chars[j] + ('a' - 'A'));
                    }
                }
                return new String(chars);
            }
        }
        return s;
    }

    private static final class Run {
        private final String s;
        private final int n;
        private final List<SqlToken> out = new ArrayList<>();
        private int i;
        private boolean space;

        Run(String s) {
            this.s = s;
            this.n = s.length();
        }

        List<SqlToken> all() {
            while (i < n) {
                char c = s.charAt(i);
                char next = i + 1 < n ? s.charAt(i + 1) : 0;
                if (isSpace(c)) {
                    i++;
                    space = true;
                } else if (c == '-' && next == '-') {
                    while (i < n && s.charAt(i) != '\n' && s.charAt(i) != '\r') {
                        i++;
                    }
                    space = true;
                } else if (c == '/' && next == '*') {
                    blockComment();
                } else if (c == '\'') {
                    plainString(i, i, SqlToken.Type.STRING);
                } else if (c == '"') {
                    quotedIdent(i, i, SqlToken.Type.QUOTED_IDENT);
                } else if (c == '$') {
                    dollar();
                } else if (isIdentStart(c)) {
                    wordOrPrefixedString();
                } else if (isDigit(c) || (c == '.' && isDigit(next))) {
                    number();
                } else if (c == ';') {
                    emit(SqlToken.Type.SEMICOLON, ";", i, i + 1, true);
                } else if (c == ':') {
                    int len = next == ':' || next == '=' ? 2 : 1;
                    emit(SqlToken.Type.PUNCT, s.substring(i, i + len), i, i + len, true);
                } else if (isOpChar(c)) {
                    operator();
                } else {
                    emit(SqlToken.Type.PUNCT, String.valueOf(c), i, i + 1, true);
                }
            }
            return out;
        }

        private void emit(SqlToken.Type type, String text, int start, int end, boolean terminated) {
            out.add(new SqlToken(type, text, start, end, space, terminated));
            space = false;
            i = end;
        }

        private void blockComment() {
            int start = i;
            int depth = 0;
            while (i < n) {
                if (s.startsWith("/*", i)) {
                    depth++;
                    i += 2;
                } else if (s.startsWith("*/", i)) {
                    depth--;
                    i += 2;
                    if (depth == 0) {
                        space = true;
                        return;
                    }
                } else {
                    i++;
                }
            }
            emit(SqlToken.Type.UNTERMINATED_COMMENT, s.substring(start), start, n, false);
        }

        /** {@code '...'} with '' escapes; {@code quote} is the offset of the opening quote. */
        private void plainString(int start, int quote, SqlToken.Type type) {
            StringBuilder body = new StringBuilder();
            int j = quote + 1;
            while (j < n) {
                char c = s.charAt(j);
                if (c == '\'') {
                    if (j + 1 < n && s.charAt(j + 1) == '\'') {
                        body.append('\'');
                        j += 2;
                        continue;
                    }
                    emit(type, body.toString(), start, j + 1, true);
                    return;
                }
                body.append(c);
                j++;
            }
            emit(type, body.toString(), start, n, false);
        }

        /** {@code E'...'}: a backslash escapes the next character, so {@code \'} does not end the string. */
        private void escapeString(int start, int quote) {
            int j = quote + 1;
            while (j < n) {
                char c = s.charAt(j);
                if (c == '\\') {
                    j += 2;
                } else if (c == '\'') {
                    if (j + 1 < n && s.charAt(j + 1) == '\'') {
                        j += 2;
                    } else {
                        emit(SqlToken.Type.ESCAPE_STRING, s.substring(quote + 1, j), start, j + 1, true);
                        return;
                    }
                } else {
                    j++;
                }
            }
            emit(SqlToken.Type.ESCAPE_STRING, s.substring(quote + 1), start, n, false);
        }

        private void quotedIdent(int start, int quote, SqlToken.Type type) {
            StringBuilder body = new StringBuilder();
            int j = quote + 1;
            while (j < n) {
                char c = s.charAt(j);
                if (c == '"') {
                    if (j + 1 < n && s.charAt(j + 1) == '"') {
                        body.append('"');
                        j += 2;
                        continue;
                    }
                    String text = type == SqlToken.Type.QUOTED_IDENT ? body.toString() : s.substring(quote + 1, j);
                    emit(type, text, start, j + 1, true);
                    return;
                }
                body.append(c);
                j++;
            }
            emit(type, body.toString(), start, n, false);
        }

        private void dollar() {
            int j = i + 1;
            if (j < n && isDigit(s.charAt(j))) {
                while (j < n && isDigit(s.charAt(j))) {
                    j++;
                }
                emit(SqlToken.Type.PARAM, s.substring(i, j), i, j, true);
                return;
            }
            // $tag$ where tag is an identifier without '$' (or empty)
            if (j < n && isIdentStart(s.charAt(j))) {
                j++;
                while (j < n && isIdentPart(s.charAt(j)) && s.charAt(j) != '$') {
                    j++;
                }
            }
            if (j < n && s.charAt(j) == '$') {
                String delimiter = s.substring(i, j + 1);
                int close = s.indexOf(delimiter, j + 1);
                if (close < 0) {
                    emit(SqlToken.Type.DOLLAR_STRING, s.substring(j + 1), i, n, false);
                } else {
                    emit(SqlToken.Type.DOLLAR_STRING, s.substring(j + 1, close), i, close + delimiter.length(), true);
                }
                return;
            }
            emit(SqlToken.Type.PUNCT, "$", i, i + 1, true);
        }

        private void wordOrPrefixedString() {
            char c = s.charAt(i);
            char next = i + 1 < n ? s.charAt(i + 1) : 0;
            char third = i + 2 < n ? s.charAt(i + 2) : 0;
            if (next == '\'') {
                switch (c) {
                    case 'e', 'E' -> {
                        escapeString(i, i + 1);
                        return;
                    }
                    case 'b', 'B', 'x', 'X', 'n', 'N' -> {
                        plainString(i, i + 1, SqlToken.Type.PREFIXED_STRING);
                        return;
                    }
                    default -> {
                    }
                }
            }
            if ((c == 'u' || c == 'U') && next == '&') {
                if (third == '\'') {
                    plainString(i, i + 2, SqlToken.Type.UNICODE_STRING);
                    return;
                }
                if (third == '"') {
                    quotedIdent(i, i + 2, SqlToken.Type.UNICODE_IDENT);
                    return;
                }
            }
            int j = i + 1;
            while (j < n && isIdentPart(s.charAt(j))) {
                j++;
            }
            emit(SqlToken.Type.WORD, fold(s.substring(i, j)), i, j, true);
        }

        private void number() {
            int j = i;
            while (j < n && (isDigit(s.charAt(j)) || s.charAt(j) == '_')) {
                j++;
            }
            if (j < n && s.charAt(j) == '.' && !(j + 1 < n && s.charAt(j + 1) == '.')) {
                j++;
                while (j < n && (isDigit(s.charAt(j)) || s.charAt(j) == '_')) {
                    j++;
                }
            }
            if (j < n && (s.charAt(j) == 'e' || s.charAt(j) == 'E')) {
                int k = j + 1;
                if (k < n && (s.charAt(k) == '+' || s.charAt(k) == '-')) {
                    k++;
                }
                if (k < n && isDigit(s.charAt(k))) {
                    j = k;
                    while (j < n && isDigit(s.charAt(j))) {
                        j++;
                    }
                }
            }
            // hex/octal/binary literals and trailing junk: PostgreSQL either reads or rejects these; one token.
            // Not '$': in "1$$...$$" PostgreSQL starts a dollar quote after the number.
            while (j < n && isIdentPart(s.charAt(j)) && s.charAt(j) != '$') {
                j++;
            }
            emit(SqlToken.Type.NUMBER, s.substring(i, j), i, j, true);
        }

        private void operator() {
            int j = i;
            while (j < n && isOpChar(s.charAt(j))) {
                // a comment start ends the operator, as in PostgreSQL's scanner
                if (j > i && (s.startsWith("--", j) || s.startsWith("/*", j))) {
                    break;
                }
                j++;
            }
            if (j == i) {
                j = i + 1;
            }
            emit(SqlToken.Type.OPERATOR, s.substring(i, j), i, j, true);
        }
    }
}
