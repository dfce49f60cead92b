package dev.pgwarden.proxy;

import java.util.List;

import dev.pgwarden.sql.SqlLexer;
import dev.pgwarden.sql.SqlToken;
import dev.pgwarden.wire.ObjectNames;

/**
 * The first tokens of one statement, cut by {@link SqlLexer} exactly where PostgreSQL's scanner cuts
 * them (nested comments, quoted identifiers, ASCII-only case folding), for the utility statements
 * whose names the result tracker follows.
 */
final class LeadingTokens {
    /** The name of a token that is not an identifier PostgreSQL would read as the gateway does. */
    static final String UNREADABLE = "\0?";

    private LeadingTokens() {
    }

    /** The statement's tokens up to its first semicolon, at most {@code max}. */
    static List<SqlToken> of(String sql, int max) {
        List<SqlToken> all = SqlLexer.lex(sql);
        int n = 0;
        while (n < all.size() && n < max && all.get(n).type() != SqlToken.Type.SEMICOLON) {
            n++;
        }
        return all.subList(0, n);
    }

    /** The key of an object name token ({@link ObjectNames#identifier}), or {@link #UNREADABLE}. */
    static String name(SqlToken t) {
        return t.type() == SqlToken.Type.WORD || t.type() == SqlToken.Type.QUOTED_IDENT && t.terminated()
                ? ObjectNames.identifier(t.text()) : UNREADABLE;
    }

    /** False when the statement's first character shows its first word cannot start with {@code letter}. */
    static boolean mayStartWith(String sql, char letter) {
        for (int i = 0; i < sql.length(); i++) {
            char c = sql.charAt(i);
            if (!Character.isWhitespace(c)) {
                return Character.toLowerCase(c) == letter || c == '-' || c == '/'; // or a comment first
            }
        }
        return false;
    }
}
