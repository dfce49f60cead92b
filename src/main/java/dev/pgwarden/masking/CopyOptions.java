package dev.pgwarden.masking;

import java.util.List;
import java.util.Locale;

import dev.pgwarden.sql.SqlLexer;
import dev.pgwarden.sql.SqlToken;

/**
 * The layout a {@code COPY ... TO STDOUT} statement declares, read from its options as PostgreSQL 15's
 * grammar takes them: the option list ({@code WITH (FORMAT csv, DELIMITER ';', ...)}) and the older
 * keywords ({@code WITH CSV HEADER DELIMITER AS ';'}). The rewriter masks COPY data field by field, so it
 * must cut each line where PostgreSQL's options put the field ends; a statement whose options it cannot
 * read completely, that asks for an encoding other than UTF-8 (the rewriter reads UTF-8), or that sets a
 * NULL string in text format (a value equal to it would be written the same way), gets null and is
 * refused.
 */
public final class CopyOptions {
    private CopyOptions() {
    }

    /**
     * Whether {@code sql} is a COPY whose data goes out (COPY ... TO), as far as its start can be read; a
     * COPY whose source cannot be read counts as one, so its options are read (and it is refused).
     */
    public static boolean copiesOut(String sql) {
        if (!mayStartWithC(sql)) {
            return false; // asked of every statement: most cannot be a COPY by their first character
        }
        List<SqlToken> tokens = SqlLexer.lex(sql);
        if (tokens.isEmpty() || !tokens.get(0).isWord("copy")) {
            return false;
        }
        try {
            return new Reader(tokens).copiesOut();
        } catch (IllegalArgumentException unreadable) {
            return true;
        }
    }

    /** False when the first character shows the statement cannot start with COPY (a comment may come first). */
    private static boolean mayStartWithC(String sql) {
        for (int i = 0; i < sql.length(); i++) {
            char c = sql.charAt(i);
            if (!Character.isWhitespace(c)) {
                return c == 'c' || c == 'C' || c == '-' || c == '/';
            }
        }
        return false;
    }

    /** The declared format of a COPY TO STDOUT, or null when its options cannot be read completely. */
    public static CopyFormat declared(String sql) {
        try {
            return new Reader(SqlLexer.lex(sql)).read();
        } catch (IllegalArgumentException unreadable) {
            return null; // an option the rewriter does not model, or a value PostgreSQL rejects too
        }
    }

    private static final class Reader {
        private final List<SqlToken> tokens;
        private int at;
        private String format = "text";
        private Character delimiter;
        private String nullString;
        private Character quote;
        private Character escape;
        private boolean header;

        Reader(List<SqlToken> tokens) {
            this.tokens = tokens;
        }

        boolean copiesOut() {
            start();
            return peekWord("to");
        }

        private void start() {
            word("copy");
            if (peekWord("binary")) { // COPY BINARY table TO ...
                at++;
                format = "binary";
            }
            source();
        }

        CopyFormat read() {
            start();
            word("to");
            word("stdout");
            if (peekWord("using") || peekWord("delimiters")) { // [USING] DELIMITERS 'x', before WITH
                if (peekWord("using")) {
                    at++;
                }
                word("delimiters");
                delimiter = oneChar(string());
            }
            if (peekWord("with")) {
                at++;
            }
            if (peekPunct("(")) {
                optionList();
            } else {
                while (at < tokens.size() && !(tokens.get(at).type() == SqlToken.Type.SEMICOLON)) {
                    oldOption();
                }
            }
            while (at < tokens.size() && tokens.get(at).type() == SqlToken.Type.SEMICOLON) {
                at++;
            }
            if (at != tokens.size()) {
                throw new IllegalArgumentException("text after the COPY options");
            }
            return build();
        }

        /** {@code ( query )} or {@code table [ ( columns ) ]}. */
        private void source() {
            if (peekPunct("(")) {
                skipParenthesised();
                return;
            }
            name();
            if (peekPunct(".")) {
                at++;
                name();
            }
            if (peekPunct("(")) {
                skipParenthesised();
            }
        }

        private void optionList() {
            at++; // (
            while (true) {
                String option = optionName();
                switch (option) {
                    case "format" -> format = wordOrString();
                    case "delimiter" -> delimiter = oneChar(string());
                    case "null" -> nullString = string();
                    case "header" -> header = peekPunct(",") || peekPunct(")") || bool(wordOrString());
                    case "quote" -> quote = oneChar(string());
                    case "escape" -> escape = oneChar(string());
                    case "encoding" -> encoding(string());
                    case "force_quote" -> columnsOrStar(); // quotes more fields; the rewriter reads quoted fields
                    default -> throw new IllegalArgumentException("COPY option " + option);
                }
                if (peekPunct(")")) {
                    at++;
                    return;
                }
                punct(",");
            }
        }

        private void oldOption() {
            String option = optionName();
            switch (option) {
                case "binary" -> format = "binary";
                case "csv" -> format = "csv";
                case "header" -> header = true;
                case "delimiter" -> delimiter = oneChar(optionalAs());
                case "null" -> nullString = optionalAs();
                case "quote" -> quote = oneChar(optionalAs());
                case "escape" -> escape = oneChar(optionalAs());
                case "encoding" -> encoding(string());
                case "force" -> {
                    word("quote");
                    columnsOrStar();
                }
                default -> throw new IllegalArgumentException("COPY option " + option);
            }
        }

        private CopyFormat build() {
            CopyFormat f = switch (format) {
                case "text" -> CopyFormat.text();
                case "csv" -> CopyFormat.csv();
                case "binary" -> CopyFormat.binary();
                default -> throw new IllegalArgumentException("COPY format " + format);
            };
            if (f.isBinary()) {
                return f;
            }
            if (delimiter != null) {
                f = f.withDelimiter(delimiter);
            }
            if (nullString != null) {
                if (f.kind() == CopyFormat.Kind.TEXT && !nullString.equals(f.nullString())) {
                    // In text format a value equal to the NULL string is written as it is, so the rewriter
                    // would take it for a NULL and pass it unmasked (an oracle: guess, and see it come back);
                    // only the default \N, which a value never is (its backslash is doubled), is unambiguous.
                    throw new IllegalArgumentException("COPY NULL other than \\N in text format");
                }
                f = f.withNull(nullString);
            }
            if (quote != null) {
                f = f.withQuote(quote);
            }
            if (escape != null) {
                f = f.withEscape(escape);
            }
            return f.withHeader(header);
        }

        private String optionalAs() {
            if (peekWord("as")) {
                at++;
            }
            return string();
        }

        private void encoding(String name) {
            String e = name.toUpperCase(Locale.ROOT).replace("-", "").replace("_", "");
            if (!e.equals("UTF8") && !e.equals("UNICODE")) {
                throw new IllegalArgumentException("COPY ENCODING " + name);
            }
        }

        private void columnsOrStar() {
            if (peekOperator("*")) {
                at++;
            } else if (peekPunct("(")) {
                skipParenthesised();
            } else {
                name();
                while (peekPunct(",") && at + 1 < tokens.size() && tokens.get(at + 1).isIdentifier()
                        && !isOldOptionWord(tokens.get(at + 1))) {
                    at += 2;
                }
            }
        }

        private static boolean isOldOptionWord(SqlToken t) {
            return t.type() == SqlToken.Type.WORD && List.of("binary", "csv", "header", "delimiter", "null", "quote",
                    "escape", "encoding", "force").contains(t.text());
        }

        private static boolean bool(String value) {
            return switch (value.toLowerCase(Locale.ROOT)) {
                case "true", "on", "1", "t", "tr", "tru", "y", "ye", "yes" -> true;
                case "false", "off", "0", "f", "fa", "fal", "fals", "n", "no" -> false;
                default -> throw new IllegalArgumentException("COPY HEADER " + value);
            };
        }

        private static char oneChar(String value) {
            if (value.length() != 1) {
                throw new IllegalArgumentException("COPY option must be a single one-byte character");
            }
            return value.charAt(0);
        }

        private void skipParenthesised() {
            int depth = 0;
            do {
                SqlToken t = next();
                if (t.isPunct("(")) {
                    depth++;
                } else if (t.isPunct(")")) {
                    depth--;
                }
            } while (depth > 0);
        }

        private String optionName() {
            SqlToken t = next();
            if (t.type() != SqlToken.Type.WORD && t.type() != SqlToken.Type.QUOTED_IDENT) {
                throw new IllegalArgumentException("COPY option");
            }
            return t.text();
        }

        private String wordOrString() {
            SqlToken t = next();
            if (t.type() == SqlToken.Type.WORD || t.type() == SqlToken.Type.NUMBER) {
                return t.text();
            }
            at--;
            return string();
        }

        /** A string constant's value; escape strings only with the escapes a one-character option needs. */
        private String string() {
            SqlToken t = next();
            return switch (t.type()) {
                case STRING -> t.text();
                case ESCAPE_STRING -> unescape(t.text());
                default -> throw new IllegalArgumentException("COPY option value");
            };
        }

        private static String unescape(String body) {
            StringBuilder out = new StringBuilder(body.length());
            for (int i = 0; i < body.length(); i++) {
                char c = body.charAt(i);
                if (c == '\'' && i + 1 < body.length() && body.charAt(i + 1) == '\'') {
                    out.append('\'');
                    i++;
                } else if (c != '\\') {
                    out.append(c);
                } else if (++i < body.length()) {
                    char e = body.charAt(i);
                    out.append(switch (e) {
                        case 't' -> '\t';
                        case 'n' -> '\n';
                        case 'r' -> '\r';
                        case 'b' -> '\b';
                        case 'f' -> '\f';
                        case '\\', '\'', '"' -> e;
                        default -> throw new IllegalArgumentException("COPY option escape \\" + e);
                    });
                }
            }
            return out.toString();
        }

        private void name() {
            if (!next().isIdentifier()) {
                throw new IllegalArgumentException("COPY table name");
            }
        }

        private void word(String w) {
            if (!next().isWord(w)) {
                throw new IllegalArgumentException("COPY " + w);
            }
        }

        private void punct(String p) {
            if (!next().isPunct(p)) {
                throw new IllegalArgumentException("COPY " + p);
            }
        }

        private boolean peekWord(String w) {
            return at < tokens.size() && tokens.get(at).isWord(w);
        }

        private boolean peekPunct(String p) {
            return at < tokens.size() && tokens.get(at).isPunct(p);
        }

        private boolean peekOperator(String op) {
            return at < tokens.size() && tokens.get(at).type() == SqlToken.Type.OPERATOR && tokens.get(at).text().equals(op);
        }

        private SqlToken next() {
            if (at >= tokens.size()) {
                throw new IllegalArgumentException("COPY statement ends early");
            }
            return tokens.get(at++);
        }
    }
}
