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
import dev.pgwarden.sql.StatementKind;
import dev.pgwarden.sql.Tokens;

/**
 * Finds statements that would take the session out of the state the gateway put it in, whatever the policy
 * says: leaving the mapped role (SET ROLE, SET SESSION AUTHORIZATION, RESET ROLE/ALL, DISCARD ALL,
 * set_config('role', ...), UPDATE pg_settings), changing how the server reads SQL text (client_encoding,
 * standard_conforming_strings), which would let the server see other statements than pgwarden decided, or
 * changing how it plans them (enable_*, *_cost, work_mem...), which would let it run other plans than
 * pgwarden judged.
 *
 * <p>Procedural code (DO, CREATE/ALTER FUNCTION) is checked on a best-effort basis: its bodies are lexed and
 * searched for the same forms, and dynamic SQL that mentions roles is refused. Code can still build a role
 * change pgwarden cannot see; the gateway's upstream login must therefore hold no more than the mapped roles.
 */
final class SessionGuard {
    private static final Set<String> ROLE_SETTINGS = Set.of("role", "session_authorization");
    private static final Set<String> READING_SETTINGS =
            Set.of("standard_conforming_strings", "client_encoding", "search_path");
    /**
     * Settings that change which plan PostgreSQL picks, beyond {@link #changesPlans}'s families: pgwarden
     * judges what a statement does with masked columns (and estimates its rows) from the plan a side
     * connection makes with the defaults, so a session planning otherwise could run a plan pgwarden never
     * saw, e.g. a merge join that sorts a masked column and returns rows in its order.
     */
    private static final Set<String> PLANNING_SETTINGS = Set.of("from_collapse_limit", "join_collapse_limit",
            "constraint_exclusion", "cursor_tuple_fraction", "default_statistics_target", "plan_cache_mode",
            "recursive_worktable_factor", "force_parallel_mode", "debug_parallel_query", "work_mem",
            "hash_mem_multiplier", "effective_cache_size", "effective_io_concurrency", "max_parallel_workers_per_gather",
            "max_parallel_workers", "parallel_leader_participation", "min_parallel_table_scan_size",
            "min_parallel_index_scan_size", "transform_null_equals");
    private static final Set<String> TRUE_VALUES = Set.of("on", "true", "yes", "1", "default");
    private static final Set<String> UTF8_NAMES = Set.of("utf8", "unicode", "default");
    private static final Pattern ROLE_WORDS =
            Pattern.compile("\\brole\\b|authorization|set_config|pg_settings|discard\\s+all|reset\\s+all",
                    Pattern.CASE_INSENSITIVE);
    private static final int MAX_BODY_DEPTH = 4;

    record Refusal(StatementKind kind, String reason) {
    }

    private SessionGuard() {
    }

    /** The reason to refuse the statement, or null; {@code lead} is the index of its first keyword. */
    static Refusal check(List<SqlToken> t, int lead) {
        Refusal r = leading(t, lead);
        if (r == null) {
            r = anywhere(t);
        }
        if (r == null && anyWord(t, lead, "do", "create", "alter")) {
            r = procedural(t, 0);
        }
        return r;
    }

    private static Refusal leading(List<SqlToken> t, int lead) {
        if (word(t, lead, "set")) {
            return set(t, lead + 1);
        }
        if (word(t, lead, "reset")) {
            return reset(t, lead + 1);
        }
        if (word(t, lead, "discard") && word(t, lead + 1, "all")) {
            return role("DISCARD ALL resets the session role");
        }
        return null;
    }

    private static Refusal set(List<SqlToken> t, int j) {
        if (!(word(t, j, "session") && word(t, j + 1, "authorization")) && anyWord(t, j, "session", "local")) {
            j++;
        }
        if (word(t, j, "session") && word(t, j + 1, "authorization")) {
            return role("SET SESSION AUTHORIZATION changes the session user");
        }
        Tokens.Name name = Tokens.name(t, j);
        if (name == null) {
            return role("SET of a setting name pgwarden cannot read");
        }
        String setting = String.join(".", name.parts()).toLowerCase(Locale.ROOT);
        if (ROLE_SETTINGS.contains(setting)) {
            return role("SET " + setting + " changes the session role");
        }
        int v = name.end();
        if (setting.equals("names")) {
            return utf8(t, v, "SET NAMES");
        }
        if (word(t, v, "to") || (v < t.size() && t.get(v).type() == SqlToken.Type.OPERATOR
                && t.get(v).text().equals("="))) {
            v++;
        }
        if (setting.equals("client_encoding")) {
            return utf8(t, v, "SET client_encoding");
        }
        if (setting.equals("search_path") || setting.equals("schema")) {
            // Rules resolve unqualified table names in public; another path would make them name other tables.
            return reading("search_path is pinned by pgwarden: policy rules resolve unqualified table names "
                    + "in schema public; qualify the names instead");
        }
        if (setting.equals("standard_conforming_strings")) {
            String value = singleValue(t, v);
            if (value == null || !TRUE_VALUES.contains(value)) {
                return reading("standard_conforming_strings must stay on: pgwarden reads strings the way it "
                        + "makes the server read them");
            }
        }
        if (changesPlans(setting) && !(word(t, v, "default") && v == t.size() - 1)) {
            return planning(setting);
        }
        return null;
    }

    /** PostgreSQL's query-tuning settings (enable_*, *_cost, geqo*) and {@link #PLANNING_SETTINGS}. */
    static boolean changesPlans(String setting) {
        return setting.startsWith("enable_") || setting.endsWith("_cost") || setting.startsWith("geqo")
                || PLANNING_SETTINGS.contains(setting);
    }

    private static Refusal planning(String setting) {
        return reading(setting + " changes the plans PostgreSQL picks, and pgwarden judges statements (what they "
                + "do with masked columns, how many rows they read) by the plans it makes with the defaults");
    }

    private static Refusal reset(List<SqlToken> t, int j) {
        if (word(t, j, "all")) {
            return role("RESET ALL resets session state the gateway set");
        }
        if (word(t, j, "session") && word(t, j + 1, "authorization")) {
            return role("RESET SESSION AUTHORIZATION changes the session user");
        }
        Tokens.Name name = Tokens.name(t, j);
        if (name == null) {
            return role("RESET of a setting name pgwarden cannot read");
        }
        String setting = String.join(".", name.parts()).toLowerCase(Locale.ROOT);
        if (ROLE_SETTINGS.contains(setting)) {
            return role("RESET " + setting + " changes the session role");
        }
        return null;
    }

    private static Refusal utf8(List<SqlToken> t, int v, String what) {
        String value = singleValue(t, v);
        if (value == null || !UTF8_NAMES.contains(value.replace("-", "").replace("_", ""))) {
            return reading(what + " must stay UTF8: pgwarden reads the text as UTF-8");
        }
        return null;
    }

    /** The lower-cased value when exactly one simple token remains at {@code v}. */
    private static String singleValue(List<SqlToken> t, int v) {
        if (v != t.size() - 1) {
            return null;
        }
        SqlToken tok = t.get(v);
        return switch (tok.type()) {
            case WORD, STRING, NUMBER, QUOTED_IDENT -> tok.text().toLowerCase(Locale.ROOT);
            default -> null;
        };
    }

    /** Forms that change the role wherever they appear in a statement. */
    private static Refusal anywhere(List<SqlToken> t) {
        for (int k = 0; k < t.size(); k++) {
            SqlToken tok = t.get(k);
            if (tok.isIdentifier() && tok.text().equals("set_config") && punct(t, k + 1, "(")) {
                Refusal r = setConfig(t, k + 1);
                if (r != null) {
                    return r;
                }
            } else if (tok.isWord("update")) {
                int j = word(t, k + 1, "only") ? k + 2 : k + 1;
                Tokens.Name target = Tokens.name(t, j);
                if (target != null && target.last().equals("pg_settings")) {
                    return role("UPDATE pg_settings changes session settings");
                }
            }
        }
        return null;
    }

    private static Refusal setConfig(List<SqlToken> t, int open) {
        int close = Tokens.closing(t, open);
        List<int[]> args = close < 0 ? List.of() : Tokens.arguments(t, open, close);
        if (args.isEmpty() || args.get(0)[1] - args.get(0)[0] != 1
                || t.get(args.get(0)[0]).type() != SqlToken.Type.STRING) {
            return role("set_config() whose setting name is not a plain string literal may change the role");
        }
        String setting = t.get(args.get(0)[0]).text().toLowerCase(Locale.ROOT);
        if (ROLE_SETTINGS.contains(setting)) {
            return role("set_config('" + setting + "', ...) changes the session role");
        }
        if (setting.equals("search_path")) {
            return reading("search_path is pinned by pgwarden: policy rules resolve unqualified table names "
                    + "in schema public; qualify the names instead");
        }
        if (READING_SETTINGS.contains(setting)) {
            return reading("set_config('" + setting + "', ...) changes how the server reads SQL text");
        }
        if (changesPlans(setting)) {
            return planning(setting);
        }
        return null;
    }

    /** Role changes inside procedural code: SET/RESET ROLE forms, set_config, and dynamic SQL naming roles. */
    private static Refusal procedural(List<SqlToken> t, int depth) {
        boolean dynamic = false;
        // ALTER SYSTEM changes every session's defaults at the next reload, the side connections' too
        boolean everySession = word(t, 0, "alter") && word(t, 1, "system");
        for (int k = 0; k < t.size(); k++) {
            if (anyWord(t, k, "set", "reset")) {
                int j = anyWord(t, k + 1, "session", "local") && !word(t, k + 2, "authorization") ? k + 2 : k + 1;
                String setting = j < t.size() && t.get(j).isIdentifier() ? t.get(j).text().toLowerCase(Locale.ROOT)
                        : "";
                if (setting.equals("role") || (setting.equals("session") && word(t, j + 1, "authorization"))
                        || ROLE_SETTINGS.contains(setting)) {
                    return role("code that changes the session role");
                }
                if (word(t, k, "set") && (READING_SETTINGS.contains(setting)
                        || changesPlans(setting) && !everySession)) {
                    // ALTER DATABASE / ROLE / FUNCTION ... SET: sessions would start reading SQL differently
                    return reading("code or defaults that change " + setting);
                }
            }
            if (depth > 0 && anyWord(t, k, "reset", "discard") && word(t, k + 1, "all")) {
                return role("code that resets the session role");
            }
            if (word(t, k, "execute")) {
                dynamic = true;
            }
        }
        if (depth > 0) {
            Refusal r = anywhere(t);
            if (r != null) {
                return r;
            }
        }
        for (SqlToken s : t) {
            if (!s.isString()) {
                continue;
            }
            if (dynamic && depth > 0 && ROLE_WORDS.matcher(s.text()).find()) {
                return role("dynamic SQL that mentions roles or session settings");
            }
            if (depth < MAX_BODY_DEPTH) {
                Refusal r = procedural(SqlLexer.lex(s.text()), depth + 1);
                if (r != null) {
                    return r;
                }
            }
        }
        return null;
    }

    private static Refusal role(String reason) {
        return new Refusal(StatementKind.ROLE_CHANGE, reason);
    }

    private static Refusal reading(String reason) {
        return new Refusal(StatementKind.GATEWAY_SETTING, reason);
    }
}
