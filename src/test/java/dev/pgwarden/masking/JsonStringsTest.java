package dev.pgwarden.masking;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

class JsonStringsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void quoteEscapesWhatJsonRequires() throws Exception {
        String nasty = "a\"b\\c\nd\te\u0001f/é\u2028";
        String quoted = JsonStrings.quote(nasty);
        assertEquals("\"a\\\"b\\\\c\\nd\\te\\u0001f/é\u2028\"", quoted);
        assertEquals(nasty, JSON.readTree(quoted).asText());
        assertEquals(nasty, JsonStrings.unquote(quoted));
    }

    @Test
    void unquoteReadsOnlyASingleStringLiteral() {
        assertEquals("x", JsonStrings.unquote(" \"x\"\n"));
        assertEquals("é/\b\f\r", JsonStrings.unquote("\"\\u00e9\\/\\b\\f\\r\""));
        assertEquals("", JsonStrings.unquote("\"\""));
        assertNull(JsonStrings.unquote("{\"a\":\"b\"}"));
        assertNull(JsonStrings.unquote("\"a\",\"b\""));
        assertNull(JsonStrings.unquote("42"));
        assertNull(JsonStrings.unquote("\"bad \\q escape\""));
        assertNull(JsonStrings.unquote("\"short \\u12\""));
        assertNull(JsonStrings.unquote("\""));
        assertNull(JsonStrings.unquote("\"ends in backslash\\\""));
    }
}
