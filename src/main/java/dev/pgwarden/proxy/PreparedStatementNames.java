package dev.pgwarden.proxy;

import java.util.List;

import dev.pgwarden.sql.SqlToken;

/**
 * The prepared statement an SQL statement defines or drops ({@code PREPARE name AS ...},
 * {@code DEALLOCATE [PREPARE] name}), keyed as PostgreSQL keys it. SQL-level and protocol prepared
 * statements share one namespace, so the result tracker forgets what a protocol statement of that
 * name held: a later Bind of it runs whatever PostgreSQL has under the name now.
 */
final class PreparedStatementNames {
    /** Every prepared statement: {@code DEALLOCATE ALL}, {@code DISCARD ALL}, or a name it cannot read. */
    static final String ALL = "\0all";

    private PreparedStatementNames() {
    }

    /** The statement name {@code sql} prepares or drops, {@link #ALL}, or null when it does neither. */
    static String touched(String sql) {
        boolean p = LeadingTokens.mayStartWith(sql, 'p');
        if (!p && !LeadingTokens.mayStartWith(sql, 'd')) {
            return null; // asked of every statement decided
        }
        List<SqlToken> t = LeadingTokens.of(sql, 3);
        if (t.size() < 2) {
            return null;
        }
        if (t.get(0).isWord("prepare")) {
            return t.get(1).isWord("transaction") ? null : named(t.get(1));
        }
        if (CursorStatements.discardsAll(sql)) {
            return ALL;
        }
        if (!t.get(0).isWord("deallocate")) {
            return null;
        }
        SqlToken name = t.get(1).isWord("prepare") && t.size() > 2 ? t.get(2) : t.get(1);
        return name.isWord("all") ? ALL : named(name);
    }

    private static String named(SqlToken t) {
        String name = LeadingTokens.name(t);
        return LeadingTokens.UNREADABLE.equals(name) ? ALL : name;
    }
}
