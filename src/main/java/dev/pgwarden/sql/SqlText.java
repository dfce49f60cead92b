package dev.pgwarden.sql;

/**
 * Skipping over the parts of SQL text that are not code: quoted text and comments, by a plain
 * character scan (no {@link SqlLexer}), for {@link Fingerprint} and the gate's placeholder count.
 */
public final class SqlText {
    private SqlText() {
    }

    /**
     * @return the index after the quoted text or comment starting at {@code i}, or {@code i} when
     *         neither starts there: the one question every scan over SQL text asks first
     */
    public static int skipNotCode(String sql, int i) {
        char c = sql.charAt(i);
        return c == '\'' || c == '"' ? skipQuoted(sql, i, c) : skipComment(sql, i);
    }

    /** @return the index after the quoted text starting at {@code i} ('' and "" are escaped quotes) */
    public static int skipQuoted(String sql, int i, char quote) {
        int j = i + 1;
        while (j < sql.length()) {
            if (sql.charAt(j) == quote) {
                if (j + 1 < sql.length() && sql.charAt(j + 1) == quote) {
                    j += 2;
                    continue;
                }
                return j + 1;
            }
            j++;
        }
        return j;
    }

    /** @return the index after a comment starting at {@code i}, or {@code i} when none starts there */
    public static int skipComment(String sql, int i) {
        int n = sql.length();
        if (i + 1 < n && sql.charAt(i) == '-' && sql.charAt(i + 1) == '-') {
            int nl = sql.indexOf('\n', i);
            return nl < 0 ? n : nl + 1;
        }
        if (i + 1 < n && sql.charAt(i) == '/' && sql.charAt(i + 1) == '*') {
            int end = sql.indexOf("*/", i + 2);
            return end < 0 ? n : end + 2;
        }
        return i;
    }
}
