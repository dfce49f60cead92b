package dev.pgwarden.sql;

import java.util.ArrayList;
import java.util.List;

/** Small helpers for reading keyword syntax out of a token list; out-of-range indexes read as "no token". */
public final class Tokens {

    private Tokens() {
    }

    /** A possibly qualified name and the index of the first token after it. */
    public record Name(List<String> parts, int start, int end) {

        public TableName table() {
            int n = parts.size();
            return n == 1 ? TableName.unqualified(parts.get(0)) : new TableName(parts.get(n - 2), parts.get(n - 1));
        }

        public FunctionName function() {
            int n = parts.size();
            return new FunctionName(n == 1 ? null : parts.get(n - 2), parts.get(n - 1));
        }

        public String last() {
            return parts.get(parts.size() - 1);
        }
    }

    public static boolean word(List<SqlToken> t, int k, String w) {
        return k >= 0 && k < t.size() && t.get(k).isWord(w);
    }

    public static boolean punct(List<SqlToken> t, int k, String p) {
        return k >= 0 && k < t.size() && t.get(k).isPunct(p);
    }

    public static boolean anyWord(List<SqlToken> t, int k, String... words) {
        for (String w : words) {
            if (word(t, k, w)) {
                return true;
            }
        }
        return false;
    }

    /** Index of the ')' closing the '(' at {@code open}, or -1. */
    public static int closing(List<SqlToken> t, int open) {
        int depth = 0;
        for (int k = open; k < t.size(); k++) {
            if (punct(t, k, "(")) {
                depth++;
            } else if (punct(t, k, ")") && --depth == 0) {
                return k;
            }
        }
        return -1;
    }

    /** First index >= from where {@code w} appears outside any parentheses opened after {@code from}; or -1. */
    public static int findWord(List<SqlToken> t, int from, String w) {
        int depth = 0;
        for (int k = from; k < t.size(); k++) {
            if (punct(t, k, "(")) {
                depth++;
            } else if (punct(t, k, ")")) {
                depth--;
            } else if (depth == 0 && word(t, k, w)) {
                return k;
            }
        }
        return -1;
    }

    /** Parenthesis depth just before token {@code k}, counted from the start. */
    public static int depthAt(List<SqlToken> t, int k) {
        int depth = 0;
        for (int i = 0; i < k; i++) {
            if (punct(t, i, "(")) {
                depth++;
            } else if (punct(t, i, ")")) {
                depth--;
            }
        }
        return depth;
    }

    /** {@code ident(.ident)*} at k (words folded, quoted identifiers as written), or null. */
    public static Name name(List<SqlToken> t, int k) {
        if (k >= t.size() || !t.get(k).isIdentifier()) {
            return null;
        }
        List<String> parts = new ArrayList<>(3);
        parts.add(t.get(k).text());
        int j = k + 1;
        while (punct(t, j, ".") && j + 1 < t.size() && t.get(j + 1).isIdentifier()) {
            parts.add(t.get(j + 1).text());
            j += 2;
        }
        return new Name(parts, k, j);
    }

    /** The tokens between the parentheses at [open, close] split on top-level commas. */
    public static List<int[]> arguments(List<SqlToken> t, int open, int close) {
        List<int[]> args = new ArrayList<>();
        int depth = 0;
        int start = open + 1;
        for (int k = open + 1; k < close; k++) {
            if (punct(t, k, "(") || punct(t, k, "[")) {
                depth++;
            } else if (punct(t, k, ")") || punct(t, k, "]")) {
                depth--;
            } else if (depth == 0 && punct(t, k, ",")) {
                args.add(new int[] {start, k});
                start = k + 1;
            }
        }
        if (start < close) {
            args.add(new int[] {start, close});
        }
        return args;
    }

    /** The original text from token {@code from} to token {@code toExclusive - 1}. */
    public static String text(String sql, List<SqlToken> t, int from, int toExclusive) {
        if (from >= toExclusive) {
            return "";
        }
        return sql.substring(t.get(from).start(), t.get(toExclusive - 1).end());
    }

    /** Index where the trailing word sequence starts if the tokens end with it, else {@code t.size()}. */
    public static int trailing(List<SqlToken> t, String... words) {
        int start = t.size() - words.length;
        if (start < 0) {
            return t.size();
        }
        for (int i = 0; i < words.length; i++) {
            if (!word(t, start + i, words[i])) {
                return t.size();
            }
        }
        return start;
    }
}
