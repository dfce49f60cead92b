package dev.pgwarden.lineage;

import java.util.Objects;

/**
 * Builds the EXPLAIN statement whose output {@link PlanLineage} reads.
 *
 * <p>The statement is appended to {@value #PREFIX} unchanged, so it must be exactly one
 * statement: a top-level {@code ;} may only be followed by whitespace and comments (it is then
 * cut off). "Top level" respects single-quoted strings ({@code ''} escapes), E'' strings
 * (backslash escapes), double-quoted identifiers, dollar-quoted strings ({@code $$...$$},
 * {@code $tag$...$tag$}), {@code --} line comments and nested {@code /* *}{@code /} block
 * comments. Because a server running with {@code standard_conforming_strings = off} reads
 * backslashes in plain strings as escapes, the check is made under both readings and the
 * statement is rejected if either finds a second statement. Unterminated strings, identifiers
 * and comments are rejected too.
 *
 * <p>EXPLAIN without ANALYZE plans the statement but does not run it (planning may still
 * evaluate immutable functions while folding constants).
 */
public final class ExplainQuery {

    public static final String PREFIX = "EXPLAIN (VERBOSE, FORMAT JSON) ";

    private ExplainQuery() {
    }

    /**
     * @return {@code PREFIX + sql} with a trailing top-level semicolon (and anything after it)
     *         removed
     * @throws IllegalArgumentException if {@code sql} is empty, holds more than one statement or
     *                                  has an unterminated quote or comment
     */
    public static String forStatement(String sql) {
        Objects.requireNonNull(sql, "sql");
        Scan standard = scan(sql, false);
        if (standard.error != null) {
            throw new IllegalArgumentException(standard.error);
        }
        Scan legacy = scan(sql, true);
        if (legacy.error != null && legacy.error.startsWith(MORE_THAN_ONE)) {
            throw new IllegalArgumentException(legacy.error + " (when backslashes escape quotes)");
        }
        if (!standard.sawCode) {
            throw new IllegalArgumentException("empty statement");
        }
        return PREFIX + sql.substring(0, standard.end);
    }

    private static final String MORE_THAN_ONE = "more than one statement";

    private static final class Scan {
        /** Where the statement ends: the top-level semicolon, or the text's length. */
        int end;
        /** Anything other than whitespace and comments before {@link #end}. */
        boolean sawCode;
        String error;
    }

    private static Scan scan(String s, boolean backslashEscapesInPlainStrings) {
        Scan r = new Scan();
        int n = s.length();
        int i = 0;
        int semicolon = -1;
        while (i < n) {
            char c = s.charAt(i);
            char next = i + 1 < n ? s.charAt(i + 1) : '\0';
            if (Character.isWhitespace(c)) {
                i++;
                continue;
            }
            if (c == '-' && next == '-') {
                int eol = s.indexOf('\n', i);
                i = eol < 0 ? n : eol + 1;
                continue;
            }
            if (c == '/' && next == '*') {
                i = skipBlockComment(s, i);
                if (i < 0) {
                    r.error = "unterminated block comment";
                    return r;
                }
                continue;
            }
            // Everything else is code.
            if (semicolon >= 0) {
                r.error = MORE_THAN_ONE + ": text follows the ';' at offset " + semicolon;
                return r;
            }
            if (c == ';') {
                semicolon = i;
                r.end = i;
                i++;
                continue;
            }
            r.sawCode = true;
            if (c == '\'') {
                boolean escapes = backslashEscapesInPlainStrings || isEscapeStringPrefix(s, i);
                i = skipQuoted(s, i, '\'', escapes);
                if (i < 0) {
                    r.error = "unterminated string literal";
                    return r;
                }
            } else if (c == '"') {
                i = skipQuoted(s, i, '"', false);
                if (i < 0) {
                    r.error = "unterminated quoted identifier";
                    return r;
                }
            } else if (c == '$' && !(i > 0 && isIdentifierPart(s.charAt(i - 1)))) {
                int tagEnd = dollarTagEnd(s, i);
                if (tagEnd < 0) {
                    i++; // $1 parameter or a lone $
                } else {
                    String tag = s.substring(i, tagEnd);
                    int close = s.indexOf(tag, tagEnd);
                    if (close < 0) {
                        r.error = "unterminated dollar-quoted string";
                        return r;
                    }
                    i = close + tag.length();
                }
            } else {
                i++;
            }
        }
        if (semicolon < 0) {
            r.end = n;
        }
        return r;
    }

    /** True if the quote at {@code quote} opens an E'' string (E not part of a longer word). */
    private static boolean isEscapeStringPrefix(String s, int quote) {
        if (quote == 0) {
            return false;
        }
        char p = s.charAt(quote - 1);
        if (p != 'E' && p != 'e') {
            return false;
        }
        return quote < 2 || !isIdentifierPart(s.charAt(quote - 2));
    }

    /** Returns the index after the closing quote, or -1. */
    private static int skipQuoted(String s, int open, char quote, boolean backslashEscapes) {
        int n = s.length();
        int j = open + 1;
        while (j < n) {
            char c = s.charAt(j);
            if (backslashEscapes && c == '\\') {
                j += 2;
                continue;
            }
            if (c == quote) {
                if (j + 1 < n && s.charAt(j + 1) == quote) {
                    j += 2;
                    continue;
                }
                return j + 1;
            }
            j++;
        }
        return -1;
    }

    /** Block comments nest in PostgreSQL. Returns the index after the comment, or -1. */
    private static int skipBlockComment(String s, int open) {
        int n = s.length();
        int depth = 0;
        int j = open;
        while (j < n) {
            if (s.startsWith("/*", j)) {
                depth++;
                j += 2;
            } else if (s.startsWith("*/", j)) {
                depth--;
                j += 2;
                if (depth == 0) {
                    return j;
                }
            } else {
                j++;
            }
        }
        return -1;
    }

    /** For {@code $tag$} or {@code $$} at {@code i}, the index after the opening tag; else -1. */
    private static int dollarTagEnd(String s, int i) {
        int n = s.length();
        int j = i + 1;
        if (j < n && s.charAt(j) == '$') {
            return j + 1;
        }
        if (j >= n || !isIdentifierStart(s.charAt(j))) {
            return -1;
        }
        j++;
        while (j < n && isTagPart(s.charAt(j))) {
            j++;
        }
        return j < n && s.charAt(j) == '$' ? j + 1 : -1;
    }

    private static boolean isIdentifierStart(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80;
    }

    private static boolean isTagPart(char c) {
        return isIdentifierStart(c) || (c >= '0' && c <= '9');
    }

    private static boolean isIdentifierPart(char c) {
        return isTagPart(c) || c == '$';
    }
}
