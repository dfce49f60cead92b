package dev.pgwarden.policy;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import dev.pgwarden.sql.SqlToken;

/**
 * The operator names a statement uses, cut the way PostgreSQL's scanner cuts them: a run of operator characters
 * is one name, except that a trailing {@code +} or {@code -} is split off unless the name also holds one of
 * {@code ~ ! @ # % ^ & | ` ?} ({@code =-1} is {@code =} then {@code -}). The policy checks them against operators
 * whose implementing function is volatile.
 */
final class OperatorNames {
    private static final String NON_SQL_CHARS = "~!@#%^&|`?";

    private OperatorNames() {
    }

    static Set<String> of(List<SqlToken> t) {
        Set<String> names = new LinkedHashSet<>();
        for (SqlToken tok : t) {
            if (tok.type() == SqlToken.Type.OPERATOR) {
                split(tok.text(), names);
            }
        }
        return names;
    }

    static void split(String run, Set<String> into) {
        int start = 0;
        while (start < run.length()) {
            int end = run.length();
            String s = run.substring(start, end);
            if (s.length() > 1 && (s.endsWith("+") || s.endsWith("-")) && !hasNonSqlChar(s, s.length() - 1)) {
                end--;
                while (end - start > 1 && (run.charAt(end - 1) == '+' || run.charAt(end - 1) == '-')) {
                    end--;
                }
            }
            into.add(run.substring(start, end));
            start = end;
        }
    }

    private static boolean hasNonSqlChar(String s, int upTo) {
        for (int i = 0; i < upTo; i++) {
            if (NON_SQL_CHARS.indexOf(s.charAt(i)) >= 0) {
                return true;
            }
        }
        return false;
    }
}
