package dev.pgwarden.policy;

import static dev.pgwarden.sql.Tokens.anyWord;
import static dev.pgwarden.sql.Tokens.punct;
import static dev.pgwarden.sql.Tokens.word;

import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

import dev.pgwarden.sql.SqlLexer;
import dev.pgwarden.sql.SqlToken;

/**
 * Finds statements that would make a read-only session writable again: {@code SET [SESSION|LOCAL]} or
 * {@code RESET} of {@code default_transaction_read_only} / {@code transaction_read_only} to anything but on, READ
 * WRITE in {@code BEGIN}, {@code START TRANSACTION}, {@code SET TRANSACTION} and {@code SET SESSION
 * CHARACTERISTICS}, {@code set_config()} of either setting anywhere in a statement, and the same forms in
 * procedural code (DO blocks, function bodies, {@code ALTER ROLE ... SET}), where dynamic SQL that mentions them
 * also counts. The engine refuses what this finds only for sessions whose role mapping is read-only; others may
 * run it. ({@code RESET ALL} and {@code DISCARD ALL} are refused for every session by {@link SessionGuard}.)
 */
final class ReadOnlyGuard {
    private static final Set<String> SETTINGS = Set.of("default_transaction_read_only", "transaction_read_only");
    private static final Set<String> ON = Set.of("on", "true", "yes", "1");
    private static final Set<String> TRANSACTION_WORDS = Set.of("begin", "start", "transaction", "characteristics");
    private static final Pattern DYNAMIC_WORDS =
            Pattern.compile("read_only|read\\s+write|characteristics|set_config", Pattern.CASE_INSENSITIVE);
    private static final int MAX_BODY_DEPTH = 4;

    private ReadOnlyGuard() {
    }

    /** What in the statement would make the session writable, or null. */
    static String check(List<SqlToken> t) {
        int lead = 0;
        while (punct(t, lead, "(")) {
            lead++;
        }
        return scan(t, anyWord(t, lead, "do", "create", "alter"), 0);
    }

    private static String scan(List<SqlToken> t, boolean procedural, int depth) {
        boolean transaction = false;
        boolean dynamic = false;
        for (int k = 0; k < t.size(); k++) {
            SqlToken tok = t.get(k);
            if (tok.type() == SqlToken.Type.WORD && TRANSACTION_WORDS.contains(tok.text())) {
                transaction = true;
            }
            if (transaction && word(t, k, "read") && word(t, k + 1, "write")) {
                return "a READ WRITE transaction";
            }
            if (anyWord(t, k, "set", "reset")) {
                String r = setting(t, k);
                if (r != null) {
                    return r;
                }
            }
            if (tok.isIdentifier() && tok.text().equals("set_config") && punct(t, k + 1, "(")
                    && k + 2 < t.size() && t.get(k + 2).isString()
                    && SETTINGS.contains(t.get(k + 2).text().toLowerCase(Locale.ROOT))) {
                return "set_config('" + t.get(k + 2).text().toLowerCase(Locale.ROOT) + "', ...)";
            }
            dynamic |= word(t, k, "execute");
        }
        if (!procedural || depth >= MAX_BODY_DEPTH) {
            return null;
        }
        for (SqlToken s : t) {
            if (!s.isString()) {
                continue;
            }
            if (dynamic && depth > 0 && DYNAMIC_WORDS.matcher(s.text()).find()) {
                return "dynamic SQL that mentions read-only settings";
            }
            String r = scan(SqlLexer.lex(s.text()), true, depth + 1);
            if (r != null) {
                return r;
            }
        }
        return null;
    }

    /** {@code SET|RESET [SESSION|LOCAL] <read-only setting> [TO|=] value} at {@code k}: anything but on counts. */
    private static String setting(List<SqlToken> t, int k) {
        boolean reset = word(t, k, "reset");
        int j = anyWord(t, k + 1, "session", "local") && !word(t, k + 2, "characteristics") ? k + 2 : k + 1;
        if (j >= t.size() || !t.get(j).isIdentifier()) {
            return null;
        }
        String name = t.get(j).text().toLowerCase(Locale.ROOT); // setting names ignore case, quoted or not
        if (!SETTINGS.contains(name)) {
            return null;
        }
        if (reset) {
            return "RESET " + name;
        }
        int v = j + 1;
        if (word(t, v, "to") || (v < t.size() && t.get(v).type() == SqlToken.Type.OPERATOR
                && t.get(v).text().equals("="))) {
            v++;
        }
        boolean single = v + 1 >= t.size() || t.get(v + 1).type() == SqlToken.Type.SEMICOLON;
        if (v < t.size() && single && switch (t.get(v).type()) {
            case WORD, STRING, NUMBER, QUOTED_IDENT -> ON.contains(t.get(v).text().toLowerCase(Locale.ROOT));
            default -> false;
        }) {
            return null;
        }
        return "SET " + name + " to anything but on";
    }
}
