package dev.pgwarden.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.time.Duration;
import java.util.Set;

import org.junit.jupiter.api.Test;

import dev.pgwarden.sql.SqlLexer;
import dev.pgwarden.sql.TableName;

/**
 * Clients that send parameters inline (psycopg2, psql) make every statement a new text: the parser's
 * cache is keyed by the query's shape, so texts that differ in their literals alone are parsed once,
 * and anything that can change the lineage (a name, a row limit, the structure) is a new shape.
 */
class ParserShapeCacheTest {

    private static String shape(String sql) {
        return ParserInput.renderWithShape(sql, SqlLexer.lex(sql)).shape();
    }

    @Test
    void literalsDoNotMakeANewShapeButNamesRowLimitsAndStructureDo() {
        String base = "SELECT abalance FROM pgbench_accounts WHERE aid = 9749 AND filler <> 'not 9749'";
        assertEquals(shape(base), shape("SELECT abalance FROM pgbench_accounts WHERE aid = 12 AND filler <> 'x'"));
        assertEquals(shape(base), shape("SELECT abalance FROM pgbench_accounts WHERE aid = 1.5e3 AND filler <> $$y$$"));
        assertEquals(shape(base), shape("SELECT abalance FROM pgbench_accounts WHERE aid = 12 AND filler <> E'\\n'"));
        assertNotEquals(shape(base), shape("SELECT abalance FROM pgbench_history WHERE aid = 12 AND filler <> 'x'"));
        assertNotEquals(shape(base), shape("SELECT bbalance FROM pgbench_accounts WHERE aid = 12 AND filler <> 'x'"));
        assertNotEquals(shape(base), shape("SELECT abalance FROM pgbench_accounts WHERE aid = 12 OR filler <> 'x'"));
        assertNotEquals(shape("SELECT * FROM t LIMIT 5"), shape("SELECT * FROM t LIMIT 500"));
        assertNotEquals(shape("SELECT * FROM t OFFSET 5"), shape("SELECT * FROM t OFFSET 6"));
        assertNotEquals(shape("SELECT * FROM t FETCH FIRST 5 ROWS ONLY"), shape("SELECT * FROM t FETCH FIRST 6 ROWS ONLY"));
        assertNotEquals(shape("SELECT * FROM t WHERE \"a b\" = 1"), shape("SELECT * FROM t WHERE \"a c\" = 1"));
    }

    @Test
    void aQueryOfAShapeParsedBeforeIsNotParsedAgainAndGetsTheSameLineage() {
        try (BudgetedParser parser = new BudgetedParser(1, Duration.ofSeconds(5), 8)) {
            String first = "SELECT c.email FROM customers c WHERE c.id = 7 AND c.name <> 'Ann'";
            String second = "SELECT c.email FROM customers c WHERE c.id = 8 AND c.name <> 'Bob'";
            BudgetedParser.Parsed a = parser.parse(first, SqlLexer.lex(first));
            long parses = parser.parses();
            BudgetedParser.Parsed b = parser.parse(second, SqlLexer.lex(second));
            assertEquals(parses, parser.parses(), "the second text is not handed to JSqlParser");
            assertNotNull(b.lineage());
            assertEquals(a.lineage(), b.lineage());
            assertEquals(Set.of("customers"), b.lineage().tables().stream().map(TableName::name)
                    .collect(java.util.stream.Collectors.toSet()));

            String limited = "SELECT c.email FROM customers c LIMIT 5";
            String larger = "SELECT c.email FROM customers c LIMIT 50000";
            assertEquals(5, parser.parse(limited, SqlLexer.lex(limited)).lineage().rowLimit());
            assertEquals(50000, parser.parse(larger, SqlLexer.lex(larger)).lineage().rowLimit(),
                    "a row limit is part of the shape: the rules read it");
        }
    }

    @Test
    void aFailedParseIsNotRememberedForItsShape() {
        try (BudgetedParser parser = new BudgetedParser(1, Duration.ofSeconds(5), 8)) {
            String broken = "SELECT FROM WHERE 1 = 'x' ))";
            parser.parse(broken, SqlLexer.lex(broken));
            long parses = parser.parses();
            parser.parse(broken, SqlLexer.lex(broken));
            assertEquals(parses + 1, parser.parses(), "failures are parsed again (a busy parser is not a verdict)");
        }
    }
}
