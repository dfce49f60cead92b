package dev.pgwarden.masking;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TypeClassTest {

    @ParameterizedTest
    @CsvSource({
            "25, 0, TEXT", "25, 1, TEXT", "1043, 1, TEXT", "1042, 0, TEXT", "19, 1, TEXT", "705, 0, TEXT",
            "114, 0, JSON", "114, 1, JSON", "3802, 0, JSON", "3802, 1, JSONB_BINARY",
            "16384, 0, TEXT", "16384, 1, OTHER", "-5, 0, TEXT",
            "23, 0, OTHER", "20, 1, OTHER", "1700, 0, OTHER", "1082, 0, OTHER", "1184, 1, OTHER", "17, 0, OTHER",
            "2950, 0, OTHER", "1009, 1, OTHER", "18, 0, OTHER", "142, 0, OTHER", "16383, 0, OTHER",
            "1009, 0, STRUCTURED_TEXT", "2249, 0, STRUCTURED_TEXT", "2277, 0, STRUCTURED_TEXT", "1007, 0, OTHER",
            "25, 2, OTHER", "0, 0, OTHER",
    })
    void classifies(int oid, int format, TypeClass expected) {
        assertEquals(expected, TypeClass.of(oid, format));
    }
}
