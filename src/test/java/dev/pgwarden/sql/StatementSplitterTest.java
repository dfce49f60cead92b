package dev.pgwarden.sql;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;

import org.junit.jupiter.api.Test;

class StatementSplitterTest {

    private static void splits(String sql, String... expected) {
        assertEquals(List.of(expected), StatementSplitter.split(sql, SqlLexer.lex(sql)), sql);
    }

    @Test
    void splitsOnTopLevelSemicolons() {
        splits("SELECT 1; SELECT 2;SELECT 3", "SELECT 1", "SELECT 2", "SELECT 3");
        splits("  SELECT 1  ;  ", "SELECT 1");
    }

    @Test
    void dropsEmptyStatements() {
        splits("");
        splits(" ; ;; ");
        splits("-- nothing\n/* here */ ;");
        splits("SELECT 1;;; SELECT 2", "SELECT 1", "SELECT 2");
    }

    @Test
    void singleQuotesWithDoubledQuotes() {
        splits("SELECT 'a;b'; SELECT 'it''s; fine'", "SELECT 'a;b'", "SELECT 'it''s; fine'");
        splits("SELECT '';SELECT ''''", "SELECT ''", "SELECT ''''");
    }

    @Test
    void escapeStringsWithBackslashes() {
        splits("SELECT E'a\\';b'; SELECT 2", "SELECT E'a\\';b'", "SELECT 2");
        splits("SELECT e'\\\\'; SELECT 2", "SELECT e'\\\\'", "SELECT 2");
        splits("SELECT E'x''; y'; SELECT 2", "SELECT E'x''; y'", "SELECT 2");
        // in a standard string a backslash is an ordinary character
        splits("SELECT 'a\\'; SELECT 2", "SELECT 'a\\'", "SELECT 2");
    }

    @Test
    void prefixedStrings() {
        splits("SELECT U&'d\\0061;t', N'x;y', B'1;0', X'f;f'; SELECT 2",
                "SELECT U&'d\\0061;t', N'x;y', B'1;0', X'f;f'", "SELECT 2");
    }

    @Test
    void doubleQuotedIdentifiers() {
        splits("SELECT \"a;b\" FROM \"t\"\"; x\"; SELECT 2", "SELECT \"a;b\" FROM \"t\"\"; x\"", "SELECT 2");
        splits("SELECT U&\"a;b\"; SELECT 2", "SELECT U&\"a;b\"", "SELECT 2");
    }

    @Test
    void dollarQuotes() {
        splits("SELECT $$a;b$$; SELECT 2", "SELECT $$a;b$$", "SELECT 2");
        splits("DO $body$ BEGIN PERFORM 1; RAISE NOTICE '$$;'; END $body$; SELECT 2",
                "DO $body$ BEGIN PERFORM 1; RAISE NOTICE '$$;'; END $body$", "SELECT 2");
        splits("SELECT $a$ $b$ ; $b$ $a$; SELECT 2", "SELECT $a$ $b$ ; $b$ $a$", "SELECT 2");
        // after a number a dollar quote starts, as in PostgreSQL
        splits("SELECT 1$$;DELETE FROM x;$$; SELECT 2", "SELECT 1$$;DELETE FROM x;$$", "SELECT 2");
        // $1 is a parameter, and a $ inside an identifier does not start a quote
        splits("SELECT $1; SELECT a$b$ FROM t; SELECT 3", "SELECT $1", "SELECT a$b$ FROM t", "SELECT 3");
    }

    @Test
    void comments() {
        splits("SELECT 1 -- a; b\n; SELECT 2", "SELECT 1", "SELECT 2");
        splits("SELECT /* a; /* nested; */ still; */ 1; SELECT 2",
                "SELECT /* a; /* nested; */ still; */ 1", "SELECT 2");
        splits("/* lead */ SELECT 1 /* trail */", "SELECT 1");
        // an operator ends where a comment starts
        splits("SELECT 1+-- c;\n2; SELECT 3", "SELECT 1+-- c;\n2", "SELECT 3");
    }

    @Test
    void semicolonsInsideParenthesesDoNotSplit() {
        splits("SELECT (1; 2); SELECT 3", "SELECT (1; 2)", "SELECT 3");
    }

    @Test
    void beginAtomicBodies() {
        String fn = "CREATE FUNCTION f(a int) RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; "
                + "SELECT CASE WHEN a > 0 THEN 1 ELSE 2 END; END";
        splits(fn + "; SELECT 2", fn, "SELECT 2");
        // BEGIN as a transaction is not a body
        splits("BEGIN; SELECT 1; END;", "BEGIN", "SELECT 1", "END");
        splits("SELECT CASE WHEN true THEN 1 END; SELECT 2", "SELECT CASE WHEN true THEN 1 END", "SELECT 2");
    }

    @Test
    void unterminatedQuoteRunsToTheEnd() {
        splits("SELECT 'abc; SELECT 2", "SELECT 'abc; SELECT 2");
        splits("SELECT 1; /* open; SELECT 2", "SELECT 1", "/* open; SELECT 2");
    }
}
