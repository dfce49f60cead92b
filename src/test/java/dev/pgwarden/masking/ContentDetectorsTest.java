package dev.pgwarden.masking;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.EnumSet;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.vertx.core.buffer.Buffer;

class ContentDetectorsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final ContentDetectors all = ContentDetectors.all();

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "SSN 123-45-6789 on file|SSN ***-**-6789 on file",
            "123-45-6789|***-**-6789",
            "(123-45-6789)|(***-**-6789)",
            "visa 4111111111111111.|visa ************1111.",
            "4111 1111 1111 1111|**** **** **** 1111",
            "4111-1111-1111-1111 exp 12/27|****-****-****-1111 exp 12/27",
            "mc 5555555555554444|mc ************4444",
            "amex 378282246310005|amex ***********0005",
            "amex 3782 822463 10005|amex **** ****** *0005",
            "discover 6011111111111117|discover ************1117",
            "jcb:3530111333300000;|jcb:************0000;",
            "unionpay 6200000000000005|unionpay ************0005",
            "contact john.doe@example.com today|contact j***@example.com today",
            "mail:Jane+tag@sub.example.co.uk,|mail:J***@sub.example.co.uk,",
            "<bob_99@mail-server.example.org>|<b***@mail-server.example.org>",
            "ssn 123-45-6789 card 4111111111111111 mail a@b.io|ssn ***-**-6789 card ************1111 mail a***@b.io",
            "ref 12 4111 1111 1111 1111|ref 12 **** **** **** 1111",
            "4111 1111 1111 1111 1111|**** **** **** 1111 1111",
            "2024-01-15 4111111111111111|2024-01-15 ************1111",
            "josé@example.com|j***@example.com",
            "éva@example.com|****@example.com",
    })
    void positives(String in, String expected) {
        assertEquals(expected, all.scan(in));
        assertEquals(expected, scanBytes(all, in, false), "bytes and strings agree");
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "",
            "Ann Smith, 12 Main Street, Springfield",
            // order numbers and references
            "Order #100234-5567 shipped",
            "ORD-2024-000123456",
            "order 100234556789012",
            "INV4111111111111111",
            "invoice 4111111111111111X",
            "PO 20240000123456",
            // timestamps and dates
            "2024-01-15 10:30:00.123456+00",
            "2024-01-15T10:30:00Z",
            "created 1718035200001",
            "ts=17180352000001231",
            // phone numbers
            "+1 (555) 123-4567",
            "555-123-4567",
            "+44 20 7946 0958",
            "+1-800-555-0199",
            "tel. 0049 30 1234 5678",
            // numbers that are not cards
            "4111111111111112",
            "4111 1111 1111 1112",
            "0.4111111111111111",
            "4111111111111111.5",
            "41111111111111111111",
            "1 2 3 4 5 6 7 8 9 1 2 3 4 5",
            "123e4567-e89b-12d3-a456-426614174000",
            "192.168.100.200",
            // SSN look-alikes
            "123456789",
            "A123-45-6789",
            "123-45-67890",
            "12-345-6789",
            // not addresses
            "user@localhost",
            "a@b.c",
            "@example.com",
            "x@ .com",
            "version 1.2.3 build 456",
    })
    void negatives(String in) {
        assertSame(in, all.scan(in), in);
        assertSame(in, all.scanJson(in), in);
        assertNull(all.scan(Buffer.buffer(in), 0, Buffer.buffer(in).length(), false), in);
    }

    @Test
    void negativesThatWouldPassLuhnAreRejectedForAnotherReason() {
        // So the negatives above test more than the Luhn check.
        for (String digits : List.of("1718035200001", "17180352000001231", "4111111111111111")) {
            assertTrue(PatternFinder.luhn(digits, 0, digits.length()), digits);
        }
    }

    @Test
    void onlyEnabledDetectorsRun() {
        String in = "123-45-6789 4111111111111111 a@b.io";
        assertEquals("***-**-6789 4111111111111111 a@b.io", new ContentDetectors(EnumSet.of(Detector.SSN)).scan(in));
        assertEquals("123-45-6789 ************1111 a@b.io", new ContentDetectors(EnumSet.of(Detector.CARD)).scan(in));
        assertEquals("123-45-6789 4111111111111111 a***@b.io", new ContentDetectors(EnumSet.of(Detector.EMAIL)).scan(in));
        assertSame(in, ContentDetectors.none().scan(in));
        assertTrue(ContentDetectors.none().isEmpty());
        assertEquals(EnumSet.allOf(Detector.class), all.enabled());
    }

    @Test
    void rowToJsonStaysValidJson() throws Exception {
        String in = "{\"id\":7,\"name\":\"Zoë\",\"ssn\":\"123-45-6789\",\"card\":4111111111111111,"
                + "\"neg\":-4111111111111111,\"email\":\"jane@example.com\","
                + "\"note\":\"call\\n4111 1111 1111 1111\\tor \\u00e9mile@example.com\\\\4111111111111111\","
                + "\"\\\"q\\\"\":\"\\\"bob@x.org\\\"\"}";
        String out = all.scanJson(in);
        JsonNode node = JSON.readTree(out);
        assertEquals(7, node.get("id").asInt());
        assertEquals("Zoë", node.get("name").asText());
        assertEquals("***-**-6789", node.get("ssn").asText());
        assertEquals("************1111", node.get("card").asText(), "a JSON number becomes a string");
        assertEquals("************1111", node.get("neg").asText());
        assertEquals("j***@example.com", node.get("email").asText());
        assertEquals("call\n**** **** **** 1111\tor ém***@example.com\\************1111", node.get("note").asText());
        assertEquals("\"b***@x.org\"", node.get("\"q\"").asText());
        assertEquals(out, scanBytes(all, in, true));
    }

    @Test
    void jsonAggStaysValidJson() throws Exception {
        String in = "[{\"email\":\"a.b@example.com\",\"cards\":[\"5555 5555 5555 4444\", 6011111111111117]},\n"
                + " {\"email\":\"bob@x.org\",\"cards\":[]}]";
        JsonNode node = JSON.readTree(all.scanJson(in));
        assertEquals("a***@example.com", node.get(0).get("email").asText());
        assertEquals("**** **** **** 4444", node.get(0).get("cards").get(0).asText());
        assertEquals("************1117", node.get(0).get("cards").get(1).asText());
        assertEquals("b***@x.org", node.get(1).get("email").asText());
    }

    @Test
    void plainScanKeepsJsonStringsValid() throws Exception {
        String in = "{\"ssn\":\"123-45-6789\",\"mail\":\"x\\\"a@b.io\\\"\",\"s\":\"\\t5555555555554444\"}";
        JsonNode node = JSON.readTree(all.scan(in));
        assertEquals("***-**-6789", node.get("ssn").asText());
        assertEquals("x\"a***@b.io\"", node.get("mail").asText());
        assertEquals("\t************4444", node.get("s").asText());
    }

    @Test
    void anAddressBehindAnEscapeKeepsTheEscapeWhole() throws Exception {
        String in = "\"\\u00e9mile@example.com \\njane@example.com\"";
        String out = all.scanJson(in);
        assertEquals("\"\\u00e9m***@example.com \\nj***@example.com\"", out);
        assertEquals("ém***@example.com \nj***@example.com", JSON.readTree(out).asText());
    }

    @Test
    void aStringWithoutMatchesComesBackAsTheSameInstance() {
        String s = new String("nothing to see 2024-01-15 10:30:00 +1 555 123 4567");
        assertSame(s, all.scan(s));
        String matched = "123-45-6789";
        assertNotSame(matched, all.scan(matched));
    }

    @Test
    void scansARangeOfALargerBuffer() {
        Buffer buf = Buffer.buffer("XXXXssn 123-45-6789YYYY");
        Buffer out = all.scan(buf, 4, 19, false);
        assertEquals("ssn ***-**-6789", out.toString(StandardCharsets.UTF_8));
        assertEquals("XXXXssn 123-45-6789YYYY", buf.toString(StandardCharsets.UTF_8), "the source is untouched");
        assertNull(all.scan(buf, 0, 10, false));
    }

    @Test
    void textColumnsThatLookLikeJsonAreScannedAsJson() throws Exception {
        Buffer json = Buffer.buffer(" {\"card\": 4111111111111111} ");
        assertEquals(" {\"card\": \"************1111\"} ", all.scanText(json, 0, json.length()).toString(StandardCharsets.UTF_8));
        Buffer plain = Buffer.buffer("card 4111111111111111");
        assertEquals("card ************1111", all.scanText(plain, 0, plain.length()).toString(StandardCharsets.UTF_8));
    }

    static String scanBytes(ContentDetectors d, String in, boolean json) {
        Buffer b = Buffer.buffer(in);
        Buffer out = d.scan(b, 0, b.length(), json);
        return out == null ? in : out.toString(StandardCharsets.UTF_8);
    }
}
