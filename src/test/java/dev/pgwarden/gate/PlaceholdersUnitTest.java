package dev.pgwarden.gate;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class PlaceholdersUnitTest {

    @Test
    void countsTheHighestPlaceholderOutsideQuotesAndComments() {
        assertEquals(2, Placeholders.count("SELECT * FROM t WHERE a = $1 AND b = $2"));
        assertEquals(1, Placeholders.count("SELECT '$5', \"$7\" -- $9\n FROM t WHERE a = $1 /* $3 */"));
        assertEquals(0, Placeholders.count("SELECT $$ $4 $$, $tag$ $6 $tag$"));
        assertEquals(0, Placeholders.count("SELECT a$1 FROM t"));
    }

    @Test
    void shiftsOnlyPlaceholders() {
        assertEquals("SELECT '$1', $101 -- $2\n FROM t WHERE a = $102 AND b$1 = $$ $3 $$",
                Placeholders.shift("SELECT '$1', $1 -- $2\n FROM t WHERE a = $2 AND b$1 = $$ $3 $$", 100));
    }
}
