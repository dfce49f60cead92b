package dev.pgwarden.sql;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits a simple-query string into its statements on top-level semicolons. Quoting is decided by
 * {@link SqlLexer}, which follows PostgreSQL's scanner (quotes, E'' strings, quoted identifiers, dollar quotes,
 * nested comments). Semicolons inside parentheses and inside {@code BEGIN ATOMIC ... END} bodies do not split,
 * the same rule psql applies. Statements that hold only whitespace or comments are dropped.
 */
public final class StatementSplitter {

    private StatementSplitter() {
    }

    /** @param tokens {@code sql} as {@link SqlLexer#lex} cut it (the caller lexes each text once) */
    public static List<String> split(String sql, List<SqlToken> tokens) {
        List<String> statements = new ArrayList<>(2);
        int parens = 0;
        int atomic = 0;
        int first = -1; // index of the current statement's first token
        for (int k = 0; k < tokens.size(); k++) {
            SqlToken t = tokens.get(k);
            if (first < 0 && t.type() != SqlToken.Type.SEMICOLON) {
                first = k;
            }
            switch (t.type()) {
                case PUNCT -> {
                    if (t.text().equals("(")) {
                        parens++;
                    } else if (t.text().equals(")") && parens > 0) {
                        parens--;
                    }
                }
                case WORD -> {
                    if (t.text().equals("begin") && k + 1 < tokens.size() && tokens.get(k + 1).isWord("atomic")) {
                        atomic++;
                    } else if (atomic > 0 && t.text().equals("case")) {
                        atomic++; // CASE ... END inside the body closes with END too
                    } else if (atomic > 0 && t.text().equals("end")) {
                        atomic--;
                    }
                }
                case SEMICOLON -> {
                    if (parens == 0 && atomic == 0) {
                        if (first >= 0) {
                            statements.add(sql.substring(tokens.get(first).start(), tokens.get(k - 1).end()));
                        }
                        first = -1;
                    }
                }
                default -> {
                }
            }
        }
        if (first >= 0) {
            statements.add(sql.substring(tokens.get(first).start(), tokens.get(tokens.size() - 1).end()));
        }
        return statements;
    }
}
