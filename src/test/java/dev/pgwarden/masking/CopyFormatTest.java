package dev.pgwarden.masking;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HexFormat;

import org.junit.jupiter.api.Test;

import dev.pgwarden.wire.ProtocolException;
import io.vertx.core.buffer.Buffer;

class CopyFormatTest {
    // CopyOutResponse, text/CSV, two columns in text format
    static final String TEXT_RESPONSE = "48" + "0000000b" + "00" + "0002" + "0000" + "0000";
    static final String BINARY_RESPONSE = "48" + "0000000b" + "01" + "0002" + "0001" + "0001";

    private static Buffer bytes(String hex) {
        return Buffer.buffer(HexFormat.of().parseHex(hex));
    }

    private static CopyFormat detect(String hex, boolean csv) {
        return CopyFormat.fromCopyOutResponse(bytes(hex), 0, hex.length() / 2, csv);
    }

    @Test
    void overallFormatAndStatementOptionsDecide() {
        assertEquals(CopyFormat.text(), detect(TEXT_RESPONSE, false));
        assertEquals(CopyFormat.csv(), detect(TEXT_RESPONSE, true));
        assertTrue(detect(BINARY_RESPONSE, false).isBinary());
        assertTrue(detect(BINARY_RESPONSE, true).isBinary());
        assertEquals(2, CopyFormat.columnCount(bytes(TEXT_RESPONSE), 0, 12));
    }

    @Test
    void declaredOptionsAreKept() {
        CopyFormat declared = CopyFormat.csv().withDelimiter(';').withNull("NULL").withHeader(true);
        assertEquals(declared, CopyFormat.fromCopyOutResponse(bytes(TEXT_RESPONSE), 0, 12, declared));
        assertThrows(ProtocolException.class,
                () -> CopyFormat.fromCopyOutResponse(bytes(TEXT_RESPONSE), 0, 12, CopyFormat.binary()));
        assertThrows(ProtocolException.class,
                () -> CopyFormat.fromCopyOutResponse(bytes(BINARY_RESPONSE), 0, 12, CopyFormat.text()));
    }

    @Test
    void malformedResponsesAreProtocolErrors() {
        assertThrows(ProtocolException.class, () -> detect("48" + "0000000b" + "02" + "0002" + "0000" + "0000", false));
        assertThrows(ProtocolException.class, () -> detect("48" + "00000009" + "00" + "0002" + "0000", false));
        assertThrows(ProtocolException.class, () -> detect("47" + "0000000b" + "00" + "0002" + "0000" + "0000", false));
    }

    @Test
    void defaults() {
        CopyFormat text = CopyFormat.text();
        assertEquals('\t', text.delimiter());
        assertEquals("\\N", text.nullString());
        CopyFormat csv = CopyFormat.csv();
        assertEquals(',', csv.delimiter());
        assertEquals('"', csv.quote());
        assertEquals('"', csv.escape(), "the escape defaults to the quote");
        assertEquals('\'', csv.withQuote('\'').escape(), "even when the quote changes");
        assertEquals('\\', csv.withQuote('\'').withEscape('\\').escape());
        assertEquals("", csv.nullString());
    }

    @Test
    void invalidOptionsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> CopyFormat.text().withDelimiter('\n'));
        assertThrows(IllegalArgumentException.class, () -> CopyFormat.text().withDelimiter('\\'));
        assertThrows(IllegalArgumentException.class, () -> CopyFormat.text().withDelimiter('é'));
        assertThrows(IllegalArgumentException.class, () -> CopyFormat.csv().withDelimiter('"'));
        assertThrows(IllegalArgumentException.class, () -> CopyFormat.text().withQuote('\''));
        assertThrows(IllegalArgumentException.class, () -> CopyFormat.text().withNull("a\tb"));
        assertThrows(IllegalArgumentException.class, () -> CopyFormat.csv().withNull("\"x\""));
    }
}
