package dev.pgwarden.lineage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class ExplainQueryUnitTest {

    private static final String P = ExplainQuery.PREFIX;

    @Test
    void prefixesTheStatement() {
        assertEquals("EXPLAIN (VERBOSE, FORMAT JSON) SELECT ssn FROM customers",
                ExplainQuery.forStatement("SELECT ssn FROM customers"));
    }

    @Test
    void cutsATrailingSemicolonFollowedOnlyByWhitespaceAndComments() {
        assertEquals(P + "SELECT 1", ExplainQuery.forStatement("SELECT 1;"));
        assertEquals(P + "SELECT 1 ", ExplainQuery.forStatement("SELECT 1 ; \n\t"));
        assertEquals(P + "SELECT 1", ExplainQuery.forStatement("SELECT 1; -- done"));
        assertEquals(P + "SELECT 1", ExplainQuery.forStatement("SELECT 1;/* a */ /* b /* nested */ */\n-- c"));
    }

    @Test
    void rejectsASecondStatement() {
        assertThrows(IllegalArgumentException.class, () -> ExplainQuery.forStatement("SELECT 1; SELECT 2"));
        assertThrows(IllegalArgumentException.class, () -> ExplainQuery.forStatement("SELECT 1;;"));
        assertThrows(IllegalArgumentException.class, () -> ExplainQuery.forStatement("SELECT 1; /* c */ DROP TABLE x"));
        assertThrows(IllegalArgumentException.class,
                () -> ExplainQuery.forStatement("SELECT 1 AS a$b$; SELECT 2"), "$b$ inside an identifier is no quote");
    }

    @Test
    void semicolonsInsideQuotesAndCommentsAreNotStatementEnds() {
        for (String sql : new String[] {
                "SELECT ';' AS x",
                "SELECT 'it''s; fine'",
                "SELECT \";\" FROM t",
                "SELECT \"a\"\";\" FROM t",
                "SELECT $$;$$",
                "SELECT $fn$ ; $$ ; $fn$",
                "SELECT E'\\';' || 'x'",
                "SELECT 1 -- ; not a statement\n + 1",
                "SELECT 1 /* ; /* nested ; */ still comment ; */ + 1",
                "SELECT $1::text"}) {
            assertEquals(P + sql, ExplainQuery.forStatement(sql), sql);
        }
    }

    @Test
    void backslashTrickIsRejectedWhicheverWayTheServerReadsStrings() {
        // standard_conforming_strings=on: 'a\' ends the string, so "; DROP" is top level.
        assertThrows(IllegalArgumentException.class,
                () -> ExplainQuery.forStatement("SELECT 'a\\'; DROP TABLE x; --'"));
        // ...=off: '\'' ends after the escaped quote, so "; DROP" is top level there.
        assertThrows(IllegalArgumentException.class,
                () -> ExplainQuery.forStatement("SELECT '\\'' ; DROP TABLE x; --'"));
    }

    @Test
    void rejectsEmptyAndUnterminatedInput() {
        assertThrows(IllegalArgumentException.class, () -> ExplainQuery.forStatement(""));
        assertThrows(IllegalArgumentException.class, () -> ExplainQuery.forStatement("  -- only a comment"));
        assertThrows(IllegalArgumentException.class, () -> ExplainQuery.forStatement(";"));
        assertThrows(IllegalArgumentException.class, () -> ExplainQuery.forStatement("SELECT 'open"));
        assertThrows(IllegalArgumentException.class, () -> ExplainQuery.forStatement("SELECT \"open"));
        assertThrows(IllegalArgumentException.class, () -> ExplainQuery.forStatement("SELECT $q$ open"));
        assertThrows(IllegalArgumentException.class, () -> ExplainQuery.forStatement("SELECT 1 /* open /* */"));
        assertThrows(NullPointerException.class, () -> ExplainQuery.forStatement(null));
    }
}
