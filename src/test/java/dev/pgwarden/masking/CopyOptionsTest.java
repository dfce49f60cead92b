package dev.pgwarden.masking;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** COPY options as PostgreSQL 15's grammar reads them: the layout the rewriter must cut fields by. */
class CopyOptionsTest {

    @Test
    void theOptionListSetsTheLayout() {
        assertEquals(CopyFormat.csv().withDelimiter(';').withHeader(true),
                CopyOptions.declared("COPY (SELECT 1, 'x,y') TO STDOUT (FORMAT csv, DELIMITER ';', HEADER)"));
        assertEquals(CopyFormat.csv().withQuote('\'').withEscape('\\').withNull("NULL"),
                CopyOptions.declared("copy t to stdout with (format 'csv', quote '''', escape E'\\\\', null 'NULL')"));
        assertEquals(CopyFormat.text().withDelimiter('|').withHeader(false),
                CopyOptions.declared("COPY public.t (a, b) TO STDOUT WITH (DELIMITER '|', HEADER off, ENCODING 'utf-8')"));
        assertEquals(CopyFormat.text().withDelimiter('\t'), CopyOptions.declared("COPY t TO STDOUT (DELIMITER E'\\t');"));
        assertEquals(CopyFormat.csv(), CopyOptions.declared("COPY t TO STDOUT (FORMAT csv, FORCE_QUOTE *)"));
        assertTrue(CopyOptions.declared("COPY t TO STDOUT (FORMAT binary)").isBinary());
    }

    @Test
    void theOlderKeywordsSetTheLayoutToo() {
        assertEquals(CopyFormat.csv().withDelimiter(';').withHeader(true).withQuote('|'),
                CopyOptions.declared("COPY t TO STDOUT WITH CSV HEADER DELIMITER AS ';' QUOTE '|' FORCE QUOTE a, b"));
        assertEquals(CopyFormat.text().withDelimiter(':'), CopyOptions.declared("COPY t TO STDOUT USING DELIMITERS ':'"));
        assertTrue(CopyOptions.declared("COPY BINARY t TO STDOUT").isBinary());
        assertTrue(CopyOptions.declared("COPY t TO STDOUT WITH BINARY").isBinary());
    }

    /** A word inside the query or a string is not an option: only the options after TO STDOUT count. */
    @Test
    void onlyTheOptionsCountNotTheQuery() {
        assertEquals(CopyFormat.text(), CopyOptions.declared("COPY (SELECT 'csv' AS a, 'x to binary' b) TO STDOUT"));
        assertEquals(CopyFormat.text(), CopyOptions.declared("COPY (SELECT 1) TO STDOUT /* csv */"));
    }

    @Test
    void whatTheRewriterDoesNotModelIsUnreadable() {
        assertNull(CopyOptions.declared("COPY t TO STDOUT (ENCODING 'LATIN1')"), "the rewriter reads UTF-8");
        assertNull(CopyOptions.declared("COPY t TO STDOUT (FORMAT csv, DELIMITER ';;')"));
        assertNull(CopyOptions.declared("COPY t TO STDOUT (DELIMITER E'\\x3b')"));
        assertNull(CopyOptions.declared("COPY t TO STDOUT (FORMAT \"CSV\")"));
        assertNull(CopyOptions.declared("COPY t TO STDOUT (FREEZE)"));
        assertNull(CopyOptions.declared("COPY t TO '/tmp/x'"));
        assertNull(CopyOptions.declared("COPY t TO PROGRAM 'cat'"));
        assertNull(CopyOptions.declared("COPY t TO STDOUT (DELIMITER U&'\\003b')"));
        assertNull(CopyOptions.declared("COPY t TO STDOUT; SELECT 1"));
        // text format writes a value equal to the NULL string as that string: NULL or a guess confirmed?
        assertNull(CopyOptions.declared("COPY t TO STDOUT (NULL '123-45-6789')"));
        assertNull(CopyOptions.declared("COPY t TO STDOUT WITH NULL AS '\\'"));
        assertEquals(CopyFormat.text(), CopyOptions.declared("COPY t TO STDOUT (NULL '\\N')"));
    }

    @Test
    void copiesOutTellsCopyToFromCopyFrom() {
        assertTrue(CopyOptions.copiesOut("COPY (SELECT 1) TO STDOUT"));
        assertTrue(CopyOptions.copiesOut("  copy \"T\" (a) to stdout"));
        assertFalse(CopyOptions.copiesOut("COPY t FROM STDIN"));
        assertFalse(CopyOptions.copiesOut("COPY t (a, b) FROM STDIN (FORMAT csv)"));
        assertFalse(CopyOptions.copiesOut("SELECT 'COPY t TO STDOUT'"));
    }
}
