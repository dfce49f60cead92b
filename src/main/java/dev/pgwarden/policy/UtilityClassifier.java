package dev.pgwarden.policy;

import static dev.pgwarden.sql.Tokens.anyWord;
import static dev.pgwarden.sql.Tokens.punct;
import static dev.pgwarden.sql.Tokens.word;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import dev.pgwarden.policy.Classification.Use;
import dev.pgwarden.sql.ColumnRef;
import dev.pgwarden.sql.FunctionName;
import dev.pgwarden.sql.SqlLexer;
import dev.pgwarden.sql.SqlToken;
import dev.pgwarden.sql.StatementKind;
import dev.pgwarden.sql.StatementSplitter;
import dev.pgwarden.sql.TableName;
import dev.pgwarden.sql.Tokens;
import dev.pgwarden.sql.Truth;

/**
 * Classifies one statement by its leading keywords (after comments, whitespace and opening parentheses), the
 * way PostgreSQL's grammar would: utility statements are understood here, because the SQL parser used for
 * queries does not know most of them; queries are passed on as text, and queries wrapped by utility syntax
 * (COPY (q) TO, DECLARE ... FOR q, PREPARE ... AS q, EXPLAIN ANALYZE q, CREATE TABLE ... AS q) are unwrapped.
 * Anything it does not recognise is {@link StatementKind#OTHER}, which is refused.
 */
public final class UtilityClassifier {
    private static final Set<String> QUERY_WORDS = Set.of("select", "values", "table", "with", "insert", "update",
            "delete", "merge");
    private static final Set<String> DATA_CHANGING = Set.of("insert", "update", "delete", "merge");
    // NOTIFY is pg_notify() spelled as a statement; SET of a custom setting is set_config()
    private static final FunctionName PG_NOTIFY = new FunctionName("pg_catalog", "pg_notify");
    private static final FunctionName SET_CONFIG = new FunctionName("pg_catalog", "set_config");

    private UtilityClassifier() {
    }

    /**
     * Classifies a single statement (no top-level semicolons; see {@link StatementSplitter}).
     *
     * @param t {@code sql} as {@link SqlLexer#lex} cut it
     */
    /** A statement wrapped in another (EXPLAIN q, COPY (q) TO, PREPARE p AS q ...): a text of its own. */
    private static Classification classifyText(String sql) {
        return classify(sql, SqlLexer.lex(sql));
    }

    static Classification classify(String sql, List<SqlToken> t) {
        for (SqlToken tok : t) {
            if (!tok.terminated()) {
                return Classification.refused(StatementKind.OTHER,
                        "the statement has an unterminated quoted string, identifier or comment");
            }
        }
        if (t.stream().anyMatch(tok -> tok.type() == SqlToken.Type.SEMICOLON)
                && StatementSplitter.split(sql, t).size() > 1) {
            return Classification.refused(StatementKind.OTHER, "more than one statement");
        }
        int lead = 0;
        while (punct(t, lead, "(")) {
            lead++;
        }
        if (lead >= t.size()) {
            return t.isEmpty() ? Classification.of(StatementKind.UTILITY).build()
                    : Classification.refused(StatementKind.OTHER, "the statement has no keyword");
        }
        SessionGuard.Refusal refusal = SessionGuard.check(t, lead);
        if (refusal != null) {
            return Classification.refused(refusal.kind(), refusal.reason());
        }
        SqlToken first = t.get(lead);
        if (first.type() != SqlToken.Type.WORD) {
            return Classification.refused(StatementKind.OTHER, "the statement does not start with a keyword");
        }
        if (lead > 0 && !anyWord(t, lead, "select", "values", "table", "with")) {
            return Classification.refused(StatementKind.OTHER, "only a query may start with '('");
        }
        return switch (first.text()) {
            case "select", "values", "table", "with", "insert", "update", "delete", "merge" -> query(sql, t, lead);
            case "explain" -> explain(sql, t, lead);
            case "copy" -> copy(sql, t, lead);
            case "declare" -> declare(sql, t, lead);
            case "prepare" -> prepare(sql, t, lead);
            case "execute" -> execute(sql, t, lead);
            case "deallocate" -> deallocate(t, lead);
            case "call" -> call(sql, t, lead);
            case "create" -> create(sql, t, lead);
            case "alter", "drop" -> alterOrDrop(t, lead);
            case "truncate" -> tableList(StatementKind.TRUNCATE, t, word(t, lead + 1, "table") ? lead + 2 : lead + 1)
                    .flags(Truth.YES, Truth.NO).build();
            case "lock" -> tableList(StatementKind.UTILITY, t, word(t, lead + 1, "table") ? lead + 2 : lead + 1)
                    .build();
            case "begin", "start", "commit", "end", "rollback", "savepoint", "release", "abort" ->
                    simple(StatementKind.TRANSACTION);
            case "set", "reset" -> setting(t, lead);
            case "show" -> simple(StatementKind.SET);
            case "do" -> simple(StatementKind.DO);
            case "vacuum", "analyze", "analyse", "cluster", "reindex", "checkpoint" ->
                    simple(StatementKind.MAINTENANCE);
            case "notify" -> Classification.of(StatementKind.UTILITY).function(PG_NOTIFY).build();
            case "fetch", "move", "close", "discard", "listen", "unlisten" -> simple(StatementKind.UTILITY);
            case "grant", "revoke", "comment", "security", "reassign", "import", "load", "refresh" ->
                    simple(StatementKind.DDL);
            default -> Classification.refused(StatementKind.OTHER,
                    "'" + first.text() + "' is not a statement pgwarden recognises");
        };
    }

    /**
     * SET / RESET of a custom (dotted) setting does what {@code set_config()} does, and row-level security policies
     * often read such settings: it counts as a call of set_config, so rules on that function (or on volatile
     * functions) cover both spellings.
     */
    private static Classification setting(List<SqlToken> t, int lead) {
        int j = anyWord(t, lead + 1, "session", "local") ? lead + 2 : lead + 1;
        Tokens.Name name = Tokens.name(t, j);
        Classification.Builder b = Classification.of(StatementKind.SET);
        if (name != null && (name.parts().size() > 1 || name.parts().get(0).indexOf('.') >= 0)) {
            b.function(SET_CONFIG);
        }
        return b.build();
    }

    private static Classification simple(StatementKind kind) {
        return Classification.of(kind).build();
    }

    // ---- queries ---------------------------------------------------------------------------------------

    private static Classification query(String sql, List<SqlToken> t, int lead) {
        int main = lead;
        if (word(t, lead, "with")) {
            main = mainKeyword(t, lead + 1);
            if (main < 0) {
                return Classification.refused(StatementKind.OTHER, "WITH without a statement");
            }
        }
        StatementKind kind = switch (t.get(main).text()) {
            case "insert" -> StatementKind.INSERT;
            case "update" -> StatementKind.UPDATE;
            case "delete" -> StatementKind.DELETE;
            case "merge" -> StatementKind.MERGE;
            default -> StatementKind.SELECT;
        };
        Set<StatementKind> cteKinds = dataChangingCtes(t);
        if (word(t, main, "select")) {
            int into = intoClause(t, main);
            if (into >= 0) {
                return selectInto(sql, t, into, cteKinds);
            }
        }
        return Classification.of(kind).extraKinds(cteKinds).query(sql).build();
    }

    /** The first query keyword after a WITH list, outside the CTE bodies; -1 if none. */
    private static int mainKeyword(List<SqlToken> t, int from) {
        int depth = 0;
        for (int k = from; k < t.size(); k++) {
            if (punct(t, k, "(")) {
                depth++;
            } else if (punct(t, k, ")")) {
                depth--;
            } else if (depth == 0 && t.get(k).type() == SqlToken.Type.WORD
                    && QUERY_WORDS.contains(t.get(k).text()) && !t.get(k).text().equals("with")
                    && !anyWord(t, k - 1, "with", "recursive") && !punct(t, k - 1, ",")) {
                // (update, insert, delete and merge are not reserved: after WITH or a comma they name a CTE)
                return k;
            }
        }
        return -1;
    }

    /** {@code AS [NOT] [MATERIALIZED] (INSERT|UPDATE|DELETE|MERGE ...)}: CTEs that change data. */
    private static Set<StatementKind> dataChangingCtes(List<SqlToken> t) {
        Set<StatementKind> kinds = EnumSet.noneOf(StatementKind.class);
        for (int k = 0; k < t.size(); k++) {
            if (!word(t, k, "as")) {
                continue;
            }
            int j = k + 1;
            if (word(t, j, "not")) {
                j++;
            }
            if (word(t, j, "materialized")) {
                j++;
            }
            if (punct(t, j, "(") && j + 1 < t.size() && t.get(j + 1).type() == SqlToken.Type.WORD
                    && DATA_CHANGING.contains(t.get(j + 1).text())) {
                kinds.add(StatementKind.valueOf(t.get(j + 1).text().toUpperCase(Locale.ROOT)));
            }
        }
        return kinds;
    }

    /** A top-level INTO in a SELECT (same parenthesis depth as its SELECT keyword); -1 if none. */
    private static int intoClause(List<SqlToken> t, int select) {
        int depth = Tokens.depthAt(t, select);
        int d = depth;
        for (int k = select + 1; k < t.size(); k++) {
            if (punct(t, k, "(")) {
                d++;
            } else if (punct(t, k, ")")) {
                d--;
            } else if (d == depth && word(t, k, "into")) {
                return k;
            }
        }
        return -1;
    }

    /** SELECT ... INTO [TEMP|TEMPORARY|UNLOGGED] [TABLE] name ...: the query is the text without the clause. */
    private static Classification selectInto(String sql, List<SqlToken> t, int into, Set<StatementKind> cteKinds) {
        int j = into + 1;
        if (anyWord(t, j, "temp", "temporary", "unlogged")) {
            j++;
        }
        if (word(t, j, "table")) {
            j++;
        }
        Tokens.Name target = Tokens.name(t, j);
        if (target == null) {
            return Classification.refused(StatementKind.OTHER, "SELECT INTO without a table name");
        }
        String query = sql.substring(0, t.get(into).start())
                + (target.end() < t.size() ? " " + sql.substring(t.get(target.end()).start()) : "");
        return Classification.of(StatementKind.SELECT_INTO).extraKinds(cteKinds).query(query)
                .table(target.table()).build();
    }

    // ---- utility statements that wrap a query --------------------------------------------------------

    private static Classification explain(String sql, List<SqlToken> t, int lead) {
        int j = lead + 1;
        boolean analyze = false;
        if (punct(t, j, "(")) {
            int close = Tokens.closing(t, j);
            if (close < 0) {
                return Classification.refused(StatementKind.OTHER, "EXPLAIN options are not closed");
            }
            for (int[] option : Tokens.arguments(t, j, close)) {
                if (anyWord(t, option[0], "analyze", "analyse")) {
                    analyze |= option[1] - option[0] == 1 || !isFalse(t.get(option[0] + 1));
                }
            }
            j = close + 1;
        } else {
            while (anyWord(t, j, "analyze", "analyse", "verbose")) {
                analyze |= !word(t, j, "verbose");
                j++;
            }
        }
        if (j >= t.size()) {
            return Classification.refused(StatementKind.OTHER, "EXPLAIN without a statement");
        }
        Classification inner = classifyText(sql.substring(t.get(j).start()));
        if (analyze) {
            // EXPLAIN ANALYZE runs the statement: it is what it wraps
            return Classification.of(inner.kind()).wraps(inner, Use.RUNS).build();
        }
        return Classification.of(StatementKind.EXPLAIN).wraps(inner, Use.DESCRIBES).build();
    }

    private static boolean isFalse(SqlToken value) {
        String v = value.text().toLowerCase(Locale.ROOT);
        return v.equals("false") || v.equals("off") || v.equals("0") || v.equals("no");
    }

    /** COPY (query) TO ..., COPY table [(columns)] TO ... / FROM .... */
    private static Classification copy(String sql, List<SqlToken> t, int lead) {
        int j = word(t, lead + 1, "binary") ? lead + 2 : lead + 1;
        if (punct(t, j, "(")) {
            int close = Tokens.closing(t, j);
            if (close < 0 || !word(t, close + 1, "to")) {
                return Classification.refused(StatementKind.OTHER, "COPY (query) must be followed by TO");
            }
            Classification inner = classifyText(Tokens.text(sql, t, j + 1, close));
            return Classification.of(StatementKind.COPY_OUT).wraps(inner, Use.RUNS).build();
        }
        Tokens.Name name = Tokens.name(t, j);
        if (name == null) {
            return Classification.refused(StatementKind.OTHER, "COPY without a table or query");
        }
        TableName table = name.table();
        int k = name.end();
        String columnsText = "*";
        Classification.Builder b;
        List<int[]> columns = List.of();
        if (punct(t, k, "(")) {
            int close = Tokens.closing(t, k);
            if (close < 0) {
                return Classification.refused(StatementKind.OTHER, "COPY column list is not closed");
            }
            columns = Tokens.arguments(t, k, close);
            columnsText = Tokens.text(sql, t, k + 1, close);
            k = close + 1;
        }
        if (word(t, k, "to")) {
            b = Classification.of(StatementKind.COPY_OUT).flags(Truth.YES, Truth.YES)
                    .plannable("SELECT " + columnsText + " FROM " + Tokens.text(sql, t, name.start(), name.end()));
        } else if (word(t, k, "from")) {
            b = Classification.of(StatementKind.COPY_IN).flags(Truth.NO, Truth.NO);
        } else {
            return Classification.refused(StatementKind.OTHER, "COPY needs TO or FROM");
        }
        b.table(table);
        if (columns.isEmpty()) {
            b.column(ColumnRef.allOf(table));
        }
        for (int[] c : columns) {
            if (c[1] - c[0] != 1 || !t.get(c[0]).isIdentifier()) {
                return Classification.refused(StatementKind.OTHER, "COPY column list pgwarden cannot read");
            }
            b.column(new ColumnRef(table, t.get(c[0]).text()));
        }
        return b.build();
    }

    /** DECLARE name [BINARY] [NO SCROLL] CURSOR [WITH HOLD] FOR query: decided as the query. */
    private static Classification declare(String sql, List<SqlToken> t, int lead) {
        int cursor = Tokens.findWord(t, lead + 1, "cursor");
        int forWord = cursor < 0 ? -1 : Tokens.findWord(t, cursor + 1, "for");
        if (forWord < 0 || forWord + 1 >= t.size()) {
            return Classification.refused(StatementKind.OTHER, "DECLARE without CURSOR ... FOR query");
        }
        Classification inner = classifyText(sql.substring(t.get(forWord + 1).start()));
        return Classification.of(inner.kind()).wraps(inner, Use.RUNS).build();
    }

    /** PREPARE name [(types)] AS statement: decided as the statement; PREPARE TRANSACTION is transaction. */
    private static Classification prepare(String sql, List<SqlToken> t, int lead) {
        if (word(t, lead + 1, "transaction")) {
            return simple(StatementKind.TRANSACTION);
        }
        if (lead + 1 >= t.size() || !t.get(lead + 1).isIdentifier()) {
            return Classification.refused(StatementKind.OTHER, "PREPARE without a name");
        }
        String name = t.get(lead + 1).text();
        int j = lead + 2;
        if (punct(t, j, "(")) {
            j = Tokens.closing(t, j) + 1;
        }
        if (j <= 0 || !word(t, j, "as") || j + 1 >= t.size()) {
            return Classification.refused(StatementKind.OTHER, "PREPARE without AS statement");
        }
        String query = sql.substring(t.get(j + 1).start());
        Classification inner = classifyText(query);
        return Classification.of(inner.kind()).wraps(inner, Use.PREPARES)
                .prepared(new PreparedRef(PreparedRef.Use.DEFINE, name, query)).build();
    }

    /** EXECUTE name [(args)]: decided by the engine from the PREPARE it names. */
    private static Classification execute(String sql, List<SqlToken> t, int lead) {
        if (lead + 1 >= t.size() || !t.get(lead + 1).isIdentifier()) {
            return Classification.refused(StatementKind.OTHER, "EXECUTE without a name");
        }
        Classification.Builder b = Classification.of(StatementKind.EXECUTE).plannable(sql)
                .prepared(new PreparedRef(PreparedRef.Use.EXECUTE, t.get(lead + 1).text(), null));
        return withArguments(b, sql, t, lead + 2).build();
    }

    private static Classification deallocate(List<SqlToken> t, int lead) {
        int j = word(t, lead + 1, "prepare") ? lead + 2 : lead + 1;
        // A name it cannot read as PostgreSQL does (U&"...") may be any statement's: taken as ALL.
        String name = word(t, j, "all") || j >= t.size() || !t.get(j).isIdentifier() ? null : t.get(j).text();
        return Classification.of(StatementKind.UTILITY)
                .prepared(new PreparedRef(PreparedRef.Use.DEALLOCATE, name, null)).build();
    }

    /** CALL proc(args): the procedure is a called function; the arguments are expressions to analyse. */
    private static Classification call(String sql, List<SqlToken> t, int lead) {
        Tokens.Name name = Tokens.name(t, lead + 1);
        if (name == null) {
            return Classification.refused(StatementKind.OTHER, "CALL without a procedure name");
        }
        Classification.Builder b = Classification.of(StatementKind.CALL).function(name.function());
        return withArguments(b, sql, t, name.end()).build();
    }

    /**
     * Argument expressions at {@code open} become {@code SELECT <args>} so their functions and columns count;
     * named notation ({@code name => value}) is reduced to the values.
     */
    private static Classification.Builder withArguments(Classification.Builder b, String sql, List<SqlToken> t,
            int open) {
        if (!punct(t, open, "(")) {
            return b;
        }
        int close = Tokens.closing(t, open);
        if (close < 0) {
            return Classification.of(StatementKind.OTHER).refusal("argument list is not closed");
        }
        List<String> values = new ArrayList<>();
        for (int[] arg : Tokens.arguments(t, open, close)) {
            int from = arg[0];
            if (arg[1] - from > 2 && t.get(from).isIdentifier()
                    && (t.get(from + 1).text().equals("=>") || t.get(from + 1).text().equals(":="))) {
                from += 2;
            }
            values.add(Tokens.text(sql, t, from, arg[1]));
        }
        if (!values.isEmpty()) {
            b.wraps(classifyText("SELECT " + String.join(", ", values)), Use.ARGUMENTS);
        }
        return b;
    }

    // ---- DDL ---------------------------------------------------------------------------------------------

    private static Classification create(String sql, List<SqlToken> t, int lead) {
        int j = lead + 1;
        if (word(t, j, "or") && word(t, j + 1, "replace")) {
            j += 2;
        }
        while (anyWord(t, j, "global", "local", "temp", "temporary", "unlogged", "recursive")) {
            j++;
        }
        boolean table = word(t, j, "table");
        boolean matview = word(t, j, "materialized") && word(t, j + 1, "view");
        if (table || matview) {
            int as = Tokens.findWord(t, j + 1, "as");
            if (as < 0) {
                return simple(StatementKind.DDL);
            }
            int n = matview ? j + 2 : j + 1;
            if (word(t, n, "if") && word(t, n + 1, "not") && word(t, n + 2, "exists")) {
                n += 3;
            }
            Tokens.Name target = Tokens.name(t, n);
            int end = Math.min(Tokens.trailing(t, "with", "data"), Tokens.trailing(t, "with", "no", "data"));
            Classification inner = classifyText(Tokens.text(sql, t, as + 1, end));
            Classification.Builder b = Classification.of(StatementKind.CREATE_TABLE_AS).wraps(inner, Use.RUNS);
            if (target != null) {
                b.table(target.table());
            }
            return b.build();
        }
        if (word(t, j, "view")) {
            int as = Tokens.findWord(t, j + 1, "as");
            if (as < 0) {
                return simple(StatementKind.DDL);
            }
            int end = Math.min(Tokens.trailing(t, "with", "check", "option"),
                    Math.min(Tokens.trailing(t, "with", "cascaded", "check", "option"),
                            Tokens.trailing(t, "with", "local", "check", "option")));
            // a view's query runs later under the view's name, so its tables count now
            return Classification.of(StatementKind.DDL)
                    .wraps(classifyText(Tokens.text(sql, t, as + 1, end)), Use.DESCRIBES).build();
        }
        if (anyWord(t, j, "index", "unique")) {
            int on = Tokens.findWord(t, j, "on");
            if (on >= 0) {
                return tableList(StatementKind.DDL, t, word(t, on + 1, "only") ? on + 2 : on + 1).build();
            }
        }
        return simple(StatementKind.DDL);
    }

    /** ALTER TABLE / DROP TABLE name the tables they change; other ALTER / DROP forms are plain DDL. */
    private static Classification alterOrDrop(List<SqlToken> t, int lead) {
        if (!word(t, lead + 1, "table")) {
            return simple(StatementKind.DDL);
        }
        int j = lead + 2;
        if (word(t, j, "if") && word(t, j + 1, "exists")) {
            j += 2;
        }
        if (word(t, lead, "alter")) {
            Tokens.Name name = Tokens.name(t, word(t, j, "only") ? j + 1 : j);
            Classification.Builder b = Classification.of(StatementKind.DDL);
            if (name != null) {
                b.table(name.table());
            }
            return b.build();
        }
        return tableList(StatementKind.DDL, t, j).build();
    }

    /** {@code [ONLY] name [*] [, ...]} as in TRUNCATE, LOCK and DROP TABLE. */
    private static Classification.Builder tableList(StatementKind kind, List<SqlToken> t, int j) {
        Classification.Builder b = Classification.of(kind);
        while (true) {
            if (word(t, j, "only")) {
                j++;
            }
            Tokens.Name name = Tokens.name(t, j);
            if (name == null) {
                return b;
            }
            b.table(name.table());
            j = name.end();
            if (j < t.size() && t.get(j).type() == SqlToken.Type.OPERATOR && t.get(j).text().equals("*")) {
                j++;
            }
            if (!punct(t, j, ",")) {
                return b;
            }
            j++;
        }
    }
}
