package dev.pgwarden.proxy;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Reads the cursor a DECLARE defines, the cursor a FETCH reads and the one a CLOSE closes, so the
 * rows of a cursor are masked as the query it was declared for and counted against that query's
 * limit, across all its fetches. Only the
 * first words matter (FETCH and DECLARE are utility statements of a fixed shape); anything else
 * names no cursor.
 */
final class CursorStatements {
    /** A cursor and whether it outlives its transaction (WITH HOLD). */
    record Cursor(String name, boolean holdable) {
    }

    private CursorStatements() {
    }

    /** {@code DECLARE name ... CURSOR ... FOR query}: the cursor, or null. */
    static Cursor declared(String sql) {
        if (!mayStartWith(sql, 'd')) {
            return null; // asked of every statement that completes
        }
        List<String> words = words(sql, 12);
        if (words.size() < 3 || !words.get(0).equals("declare")) {
            return null;
        }
        int cursor = words.indexOf("cursor");
        boolean hold = cursor > 0 && cursor + 2 < words.size() && words.get(cursor + 1).equals("with")
                && words.get(cursor + 2).equals("hold");
        return new Cursor(words.get(1), hold);
    }

    /** {@code FETCH [direction] [FROM | IN] name}: the cursor, or null. */
    static String fetched(String sql) {
        if (!mayStartWith(sql, 'f')) {
            return null; // asked of every statement that returns rows: most are not FETCHes
        }
        List<String> words = words(sql, 6);
        if (words.size() < 2 || !words.get(0).equals("fetch")) {
            return null;
        }
        return words.get(words.size() - 1);
    }

    /** {@code CLOSE name}: the cursor; {@code CLOSE ALL}: {@link #ALL}; else null. */
    static String closed(String sql) {
        if (!mayStartWith(sql, 'c')) {
            return null;
        }
        List<String> words = words(sql, 3);
        return words.size() == 2 && words.get(0).equals("close") ? words.get(1) : null;
    }

    /** What {@link #closed} returns for {@code CLOSE ALL} (a cursor named "all" closes them all, as far as we know). */
    static final String ALL = "all";

    /** False when the statement's first character shows its first word cannot start with {@code letter}. */
    private static boolean mayStartWith(String sql, char letter) {
        for (int i = 0; i < sql.length(); i++) {
            char c = sql.charAt(i);
            if (!Character.isWhitespace(c)) {
                return Character.toLowerCase(c) == letter || c == '-' || c == '/'; // or a comment first
            }
        }
        return false;
    }

    /**
     * The first {@code max} words, lower-cased unless double-quoted (then as written), skipping
     * white space and comments and stopping at a semicolon.
     */
    static List<String> words(String sql, int max) {
        List<String> out = new ArrayList<>();
        int i = 0;
        int n = sql.length();
        while (i < n && out.size() < max) {
            char c = sql.charAt(i);
            if (Character.isWhitespace(c)) {
                i++;
            } else if (c == '-' && i + 1 < n && sql.charAt(i + 1) == '-') {
                while (i < n && sql.charAt(i) != '\n') {
                    i++;
                }
            } else if (c == '/' && i + 1 < n && sql.charAt(i + 1) == '*') {
                int end = sql.indexOf("*/", i + 2);
                i = end < 0 ? n : end + 2;
            } else if (c == ';') {
                break;
            } else if (c == '"') {
                StringBuilder sb = new StringBuilder();
                i++;
                while (i < n) {
                    if (sql.charAt(i) == '"') {
                        if (i + 1 < n && sql.charAt(i + 1) == '"') {
                            sb.append('"');
                            i += 2;
                            continue;
                        }
                        i++;
                        break;
                    }
                    sb.append(sql.charAt(i++));
                }
                out.add(sb.toString());
            } else {
                int start = i;
                while (i < n && !Character.isWhitespace(sql.charAt(i)) && sql.charAt(i) != ';'
                        && sql.charAt(i) != '"' && sql.charAt(i) != '(') {
                    i++;
                }
                if (i == start) {
                    i++; // a lone '(' and the like: not a word
                    continue;
                }
                out.add(sql.substring(start, i).toLowerCase(Locale.ROOT));
            }
        }
        return out;
    }
}
