package dev.pgwarden.proxy;

import java.util.List;

import dev.pgwarden.sql.SqlToken;

/**
 * Reads the cursor a DECLARE defines, the cursor a FETCH reads and the one a CLOSE closes, so the
 * rows of a cursor are masked as the query it was declared for and counted against that query's
 * limit, across all its fetches. Only the leading tokens matter (they are utility statements of a
 * fixed shape), cut as PostgreSQL's scanner cuts them ({@link LeadingTokens}), with names keyed as
 * PostgreSQL keys them. A name the gateway cannot read as PostgreSQL does ({@code U&"..."}) is
 * {@link #UNREADABLE}: a FETCH of it is masked as a cursor of unknown lineage, and a DECLARE or CLOSE
 * of it makes the gateway forget every cursor it knew (it cannot tell which one changed).
 */
final class CursorStatements {
    /** A cursor and whether it outlives its transaction (WITH HOLD). */
    record Cursor(String name, boolean holdable) {
    }

    /** What {@link #closed} returns for {@code CLOSE ALL}, or a CLOSE of a name it cannot read. */
    static final String ALL = "\0all";
    /** A name the gateway cannot read as PostgreSQL does; no cursor is ever known under it. */
    static final String UNREADABLE = LeadingTokens.UNREADABLE;

    /** More tokens than any FETCH has: its last token would not be the cursor's name. */
    private static final int FETCH_TOKENS = 16;

    private CursorStatements() {
    }

    /** {@code DECLARE name ... CURSOR ... FOR query}: the cursor, or null. */
    static Cursor declared(String sql) {
        if (!LeadingTokens.mayStartWith(sql, 'd')) {
            return null; // asked of every statement that completes
        }
        List<SqlToken> t = LeadingTokens.of(sql, 12);
        if (t.size() < 3 || !t.get(0).isWord("declare")) {
            return null;
        }
        boolean hold = false;
        for (int i = 2; i + 2 < t.size(); i++) {
            if (t.get(i).isWord("cursor")) {
                hold = t.get(i + 1).isWord("with") && t.get(i + 2).isWord("hold");
                break;
            }
        }
        return new Cursor(LeadingTokens.name(t.get(1)), hold);
    }

    /** {@code FETCH [direction] [FROM | IN] name}: the cursor (the statement's last token), or null. */
    static String fetched(String sql) {
        if (!LeadingTokens.mayStartWith(sql, 'f')) {
            return null; // asked of every statement that returns rows: most are not FETCHes
        }
        List<SqlToken> t = LeadingTokens.of(sql, FETCH_TOKENS);
        if (t.size() < 2 || !t.get(0).isWord("fetch")) {
            return null;
        }
        return t.size() == FETCH_TOKENS ? UNREADABLE : LeadingTokens.name(t.get(t.size() - 1));
    }

    /** {@code CLOSE name}: the cursor; {@code CLOSE ALL} (or a name it cannot read): {@link #ALL}; else null. */
    static String closed(String sql) {
        if (!LeadingTokens.mayStartWith(sql, 'c')) {
            return null;
        }
        List<SqlToken> t = LeadingTokens.of(sql, 3);
        if (t.size() != 2 || !t.get(0).isWord("close")) {
            return null;
        }
        if (t.get(1).isWord("all")) {
            return ALL;
        }
        String name = LeadingTokens.name(t.get(1));
        return UNREADABLE.equals(name) ? ALL : name;
    }

    /** {@code DISCARD ALL} closes every cursor and drops every prepared statement. */
    static boolean discardsAll(String sql) {
        if (!LeadingTokens.mayStartWith(sql, 'd')) {
            return false;
        }
        List<SqlToken> t = LeadingTokens.of(sql, 3);
        return t.size() == 2 && t.get(0).isWord("discard") && t.get(1).isWord("all");
    }
}
