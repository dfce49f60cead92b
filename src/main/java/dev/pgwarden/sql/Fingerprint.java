package dev.pgwarden.sql;

/**
 * A statement's text with its numeric literals replaced by {@code ?}, so {@code WHERE aid = 1} and
 * {@code WHERE aid = 2} share one cached decision. Only numbers: string literals can decide a
 * verdict ({@code set_config('role', ...)}), and numbers after LIMIT, OFFSET or FETCH are kept
 * because row limits feed the rules. Quoted text, identifiers and comments are left as they are.
 *
 * <p>A plain scan of the characters, not {@link SqlLexer}'s tokens: the gate keys its verdict cache
 * on it before anything is analysed (a hit must not lex), and the analysed text carries the same
 * function's result, so the two never disagree.
 */
public final class Fingerprint {
    private Fingerprint() {
    }

    public static String of(String sql) {
        StringBuilder out = null;
        int n = sql.length();
        int copied = 0;
        int i = 0;
        String lastWord = "";
        while (i < n) {
            char c = sql.charAt(i);
            int past = SqlText.skipNotCode(sql, i);
            if (past > i) {
                i = past;
            } else if (c == '$' || c == '\\') {
                return sql; // dollar quotes, parameters, backslash escapes: keep the text as it is
            } else if (Character.isLetter(c) || c == '_') {
                int j = i + 1;
                while (j < n && (Character.isLetterOrDigit(sql.charAt(j)) || sql.charAt(j) == '_' || sql.charAt(j) == '$')) {
                    j++;
                }
                lastWord = sql.substring(i, j);
                i = j;
            } else if (Character.isDigit(c)) {
                int j = i;
                while (j < n && (Character.isDigit(sql.charAt(j)) || sql.charAt(j) == '.')) {
                    j++;
                }
                if (j < n && (Character.isLetter(sql.charAt(j)) || sql.charAt(j) == '_')) {
                    i = j; // 1e5, 0x1F, or part of a word: keep
                    continue;
                }
                if (!isLimitKeyword(lastWord)) {
                    if (out == null) {
                        out = new StringBuilder(n);
                    }
                    out.append(sql, copied, i).append('?');
                    copied = j;
                }
                lastWord = "";
                i = j;
            } else {
                if (!Character.isWhitespace(c)) {
                    lastWord = "";
                }
                i++;
            }
        }
        return out == null ? sql : out.append(sql, copied, n).toString();
    }

    private static boolean isLimitKeyword(String w) {
        return w.equalsIgnoreCase("limit") || w.equalsIgnoreCase("offset") || w.equalsIgnoreCase("fetch")
                || w.equalsIgnoreCase("first") || w.equalsIgnoreCase("next");
    }
}
