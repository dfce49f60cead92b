package dev.pgwarden.gate;

import dev.pgwarden.sql.SqlText;

/**
 * Finds the {@code $n} placeholders of an extended-protocol statement (to EXPLAIN it as a prepared
 * statement for lineage), skipping quotes, dollar-quoted strings and comments.
 */
final class Placeholders {
    private Placeholders() {
    }

    /** The highest $n in the statement (0 when it has no parameters). */
    static int count(String sql) {
        int[] max = { 0 };
        scan(sql, (i, j) -> max[0] = Math.max(max[0], Integer.parseInt(sql.substring(i + 1, j))));
        return max[0];
    }

    /** The statement with every {@code $n} renumbered {@code $(n + by)}. */
    static String shift(String sql, int by) {
        StringBuilder out = new StringBuilder(sql.length() + 16);
        int[] copied = { 0 };
        scan(sql, (i, j) -> {
            out.append(sql, copied[0], i).append('$').append(Integer.parseInt(sql.substring(i + 1, j)) + by);
            copied[0] = j;
        });
        return out.append(sql, copied[0], sql.length()).toString();
    }

    interface Placeholder {
        void at(int start, int end);
    }

    private static void scan(String sql, Placeholder placeholder) {
        int i = 0;
        int n = sql.length();
        while (i < n) {
            char c = sql.charAt(i);
            int past = SqlText.skipNotCode(sql, i);
            if (past > i) {
                i = past;
            } else if (c == '$') {
                int j = i + 1;
                while (j < n && Character.isDigit(sql.charAt(j))) {
                    j++;
                }
                if (j > i + 1 && (i == 0 || !Character.isLetterOrDigit(sql.charAt(i - 1)))) {
                    placeholder.at(i, j);
                    i = j;
                } else {
                    i = skipDollarQuote(sql, i);
                }
            } else {
                i++;
            }
        }
    }

    /** $tag$ ... $tag$; a lone '$' is just skipped. */
    private static int skipDollarQuote(String sql, int i) {
        int close = sql.indexOf('$', i + 1);
        if (close < 0) {
            return i + 1;
        }
        String tag = sql.substring(i, close + 1);
        if (!tag.chars().skip(1).limit(tag.length() - 2L).allMatch(ch -> Character.isLetterOrDigit(ch) || ch == '_')) {
            return i + 1;
        }
        int end = sql.indexOf(tag, close + 1);
        return end < 0 ? sql.length() : end + tag.length();
    }
}
