package dev.pgwarden.sql;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import org.junit.jupiter.api.Test;

class FingerprintUnitTest {

    @Test
    void numbersBecomePlaceholders() {
        assertEquals("SELECT abalance FROM pgbench_accounts WHERE aid = ?;",
                Fingerprint.of("SELECT abalance FROM pgbench_accounts WHERE aid = 48213;"));
        assertEquals(Fingerprint.of("SELECT 1.5 + 2"), Fingerprint.of("SELECT 7.25 + 3"));
    }

    @Test
    void rowLimitsStringsIdentifiersAndCommentsAreKept() {
        assertNotEquals(Fingerprint.of("SELECT * FROM t LIMIT 10"), Fingerprint.of("SELECT * FROM t LIMIT 100000"));
        assertNotEquals(Fingerprint.of("SELECT * FROM t FETCH FIRST 5 ROWS ONLY"),
                Fingerprint.of("SELECT * FROM t FETCH FIRST 500 ROWS ONLY"));
        assertEquals("SELECT '42' FROM t1 WHERE c2 = ? /* 7 */", Fingerprint.of("SELECT '42' FROM t1 WHERE c2 = 3 /* 7 */"));
        assertEquals("SELECT \"col 9\" FROM t", Fingerprint.of("SELECT \"col 9\" FROM t"));
    }

    @Test
    void textWithEscapesOrDollarsIsLeftAlone() {
        assertEquals("SELECT E'a\\'b', 5", Fingerprint.of("SELECT E'a\\'b', 5"));
        assertEquals("SELECT $1 + 5", Fingerprint.of("SELECT $1 + 5"));
        assertEquals("DO $$ BEGIN PERFORM 1; END $$", Fingerprint.of("DO $$ BEGIN PERFORM 1; END $$"));
    }
}
