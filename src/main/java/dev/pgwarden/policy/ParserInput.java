package dev.pgwarden.policy;

import static dev.pgwarden.sql.Tokens.punct;

import java.util.List;

import dev.pgwarden.sql.SqlLexer;
import dev.pgwarden.sql.SqlToken;
import dev.pgwarden.sql.Tokens;

/**
 * Re-renders a query for JSqlParser from PostgreSQL's own tokenisation, so that both read the same tokens:
 * comments are dropped, every string form (E'', U&'', $$..$$, N'') becomes a plain '' literal (JSqlParser
 * knows neither backslash escapes nor tagged dollar quotes), and tokens are separated by single spaces so
 * that nothing JSqlParser treats as a comment ({@code //}, {@code --}) can form across them. Two psql-isms
 * that do not change what a query reads are normalised: {@code OPERATOR(pg_catalog.~)} becomes {@code ~} and
 * {@code COLLATE name} is dropped. Tokens JSqlParser would read differently are refused (the query is then
 * unparseable, and refused unless the planner fallback can read it).
 */
final class ParserInput {

    private ParserInput() {
    }

    /**
     * What JSqlParser reads, and its shape: the same tokens with every string literal {@code ''} and every
     * number {@code 0}, except a number right after LIMIT, OFFSET, FETCH, FIRST or NEXT. Texts of one shape
     * have one lineage: the lineage never reads a string literal's value, and of numbers only row limits
     * (see {@link dev.pgwarden.lineage.ParseTreeWalker}), so the shape keys the parser's cache and a
     * client that sends its parameters inline is parsed once per query, not once per value.
     */
    record Rendered(String input, String shape) {
    }

    /**
     * The query for JSqlParser and its shape, or throws if the text holds tokens JSqlParser would read differently.
     *
     * @param t {@code sql} as {@link SqlLexer#lex} cut it
     */
    static Rendered renderWithShape(String sql, List<SqlToken> t) {
        StringBuilder b = new StringBuilder(sql.length() + 16);
        StringBuilder shape = new StringBuilder(sql.length() + 16);
        for (int k = 0; k < t.size(); k++) {
            SqlToken tok = t.get(k);
            if (tok.isWord("operator") && punct(t, k + 1, "(")) {
                int close = Tokens.closing(t, k + 1);
                if (close > 0 && t.get(close - 1).type() == SqlToken.Type.OPERATOR) {
                    String op = operator(t.get(close - 1));
                    append(b, op);
                    append(shape, op);
                    k = close;
                    continue;
                }
            }
            if (tok.isWord("collate")) {
                Tokens.Name name = Tokens.name(t, k + 1);
                if (name != null) {
                    k = name.end() - 1;
                    continue;
                }
            }
            String rendered = switch (tok.type()) {
                case STRING, ESCAPE_STRING, UNICODE_STRING, DOLLAR_STRING -> literal(tok.text());
                case PREFIXED_STRING -> Character.toLowerCase(sql.charAt(tok.start())) == 'n'
                        ? literal(tok.text())
                        : sql.substring(tok.start(), tok.end());
                case OPERATOR -> operator(tok);
                case WORD -> word(sql, tok);
                case UNICODE_IDENT -> throw new IllegalArgumentException(
                        "U&\"...\" identifiers are not understood by the SQL parser");
                case SEMICOLON, UNTERMINATED_COMMENT ->
                        throw new IllegalArgumentException("not a single complete statement");
                default -> sql.substring(tok.start(), tok.end());
            };
            append(b, rendered);
            append(shape, switch (tok.type()) {
                case STRING, ESCAPE_STRING, UNICODE_STRING, DOLLAR_STRING -> "''";
                case PREFIXED_STRING -> rendered.startsWith("'") ? "''" : rendered;
                case NUMBER -> k > 0 && isRowLimitWord(t.get(k - 1)) ? rendered : "0";
                default -> rendered;
            });
        }
        return new Rendered(b.toString(), shape.toString());
    }

    private static boolean isRowLimitWord(SqlToken tok) {
        return tok.isWord("limit") || tok.isWord("offset") || tok.isWord("fetch") || tok.isWord("first")
                || tok.isWord("next");
    }

    private static void append(StringBuilder b, String token) {
        if (b.length() > 0) {
            b.append(' ');
        }
        b.append(token);
    }

    private static String literal(String body) {
        return "'" + body.replace("'", "''") + "'";
    }

    /**
     * A word with non-ASCII characters cannot be a keyword; quoting it keeps JSqlParser from splitting it
     * where PostgreSQL does not (PostgreSQL treats every non-ASCII character, U+00A0 included, as a letter).
     */
    private static String word(String sql, SqlToken tok) {
        for (int i = 0; i < tok.text().length(); i++) {
            if (tok.text().charAt(i) >= 0x80) {
                return "\"" + tok.text().replace("\"", "\"\"") + "\"";
            }
        }
        return sql.substring(tok.start(), tok.end());
    }

    /** JSqlParser reads {@code //} as a comment and backticks as quotes; PostgreSQL reads both as operators. */
    private static String operator(SqlToken tok) {
        if (tok.text().contains("//") || tok.text().indexOf('`') >= 0) {
            throw new IllegalArgumentException("operator '" + tok.text() + "' would be misread by the SQL parser");
        }
        return tok.text();
    }
}
