package dev.pgwarden.masking;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

class ValueMaskerTest {
    static final byte[] KEY = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ValueMasker masker = new ValueMasker(KEY);

    private String text(MaskFunction f, String value, int oid, int format) {
        byte[] out = masker.mask(f, value == null ? null : value.getBytes(StandardCharsets.UTF_8), oid, format);
        return out == null ? null : new String(out, StandardCharsets.UTF_8);
    }

    private static String expectedHash(byte[] key, String value) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key, "HmacSHA256"));
        byte[] full = mac.doFinal(value.getBytes(StandardCharsets.UTF_8));
        return "sha256:" + HexFormat.of().formatHex(full).substring(0, 16);
    }

    @Test
    void textFunctions() throws Exception {
        assertEquals("****", text(MaskFunction.REDACT, "123-45-6789", 25, 0));
        assertEquals("***-**-6789", text(MaskFunction.LAST4, "123-45-6789", 25, 0));
        assertEquals("**** **** **** 1111", text(MaskFunction.LAST4, "4111 1111 1111 1111", 25, 0));
        assertEquals(expectedHash(KEY, "123-45-6789"), text(MaskFunction.HASH, "123-45-6789", 25, 0));
        assertNull(text(MaskFunction.NULL, "123-45-6789", 25, 0));
        assertEquals("j***@example.com", text(MaskFunction.EMAIL, "john.doe@example.com", 25, 0));
    }

    @Test
    void last4HidesShortValuesCompletely() {
        assertEquals("*******", text(MaskFunction.LAST4, "1234567", 25, 0));
        assertEquals("****-1234", text(MaskFunction.LAST4, "ABCD-1234", 25, 0), "eight: the last four show");
        assertEquals("*****5678", text(MaskFunction.LAST4, "ABCD15678", 25, 0));
        assertEquals("", text(MaskFunction.LAST4, "", 25, 0));
        assertEquals("**-**", text(MaskFunction.LAST4, "AB-12", 25, 0));
    }

    @Test
    void last4CountsNonAsciiLettersAndKeepsSeparators() {
        assertEquals("****** Berg", text(MaskFunction.LAST4, "Jürgen Berg", 25, 0));
    }

    @Test
    void emailWithoutAnAddressIsRedacted() {
        assertEquals("****", text(MaskFunction.EMAIL, "no address here", 25, 0));
        assertEquals("****", text(MaskFunction.EMAIL, "@example.com", 25, 0));
        assertEquals("****", text(MaskFunction.EMAIL, "john@", 25, 0));
        assertEquals("é***@bücher.de", text(MaskFunction.EMAIL, "  élodie@bücher.de ", 25, 0));
    }

    @Test
    void hashIsStableKeyedAndDistinct() throws Exception {
        String a = text(MaskFunction.HASH, "123-45-6789", 25, 0);
        assertEquals(a, text(MaskFunction.HASH, "123-45-6789", 1043, 1), "same value, same hash in any text column");
        assertNotEquals(a, text(MaskFunction.HASH, "123-45-6788", 25, 0));
        byte[] otherKey = "fedcba9876543210fedcba9876543210".getBytes(StandardCharsets.US_ASCII);
        String b = new String(new ValueMasker(otherKey).mask(MaskFunction.HASH,
                "123-45-6789".getBytes(StandardCharsets.UTF_8), 25, 0), StandardCharsets.UTF_8);
        assertNotEquals(a, b, "another gateway key gives another hash");
        assertEquals(expectedHash(otherKey, "123-45-6789"), b);
        assertTrue(a.matches("sha256:[0-9a-f]{16}"), a);
    }

    @Test
    void everyTextLikeTypeInEitherFormatIsMaskedAsText() {
        int[] oids = { 25, 1043, 1042, 19, 705 };
        for (int oid : oids) {
            for (int format = 0; format <= 1; format++) {
                assertEquals("***-**-6789", text(MaskFunction.LAST4, "123-45-6789", oid, format), "oid " + oid);
            }
        }
    }

    @Test
    void userDefinedTypesAreTextOnlyInTextFormat() {
        // citext and other extension types get OIDs >= 16384
        assertEquals("j***@x.org", text(MaskFunction.EMAIL, "jane@x.org", 16_390, 0));
        assertNull(text(MaskFunction.EMAIL, "jane@x.org", 16_390, 1));
        assertEquals("****", text(MaskFunction.REDACT, "jane@x.org", 0x8000_0001, 0), "OIDs are unsigned");
    }

    @Test
    void otherTypesBecomeNullWhateverTheFunction() {
        byte[] int4Binary = { 0, 0, 0x30, 0x39 };
        int[][] cases = { { 23, 0 }, { 23, 1 }, { 20, 0 }, { 1700, 0 }, { 1082, 0 }, { 1082, 1 }, { 1114, 0 },
                { 17, 0 }, { 17, 1 }, { 2950, 0 }, { 2950, 1 }, { 1009, 0 }, { 18, 0 }, { 142, 0 } };
        for (MaskFunction f : MaskFunction.values()) {
            for (int[] c : cases) {
                assertNull(masker.mask(f, "123456789".getBytes(StandardCharsets.UTF_8), c[0], c[1]),
                        f + " on type " + c[0] + " format " + c[1]);
            }
            assertNull(masker.mask(f, int4Binary, 23, 1));
        }
    }

    @Test
    void sqlNullStaysNull() {
        for (MaskFunction f : MaskFunction.values()) {
            for (int oid : new int[] { 25, 114, 3802, 23 }) {
                assertNull(masker.mask(f, null, oid, 0));
                assertNull(masker.mask(f, null, oid, 1));
            }
        }
    }

    @Test
    void jsonStringValuesAreMaskedInsideTheString() {
        assertEquals("\"j***@x.com\"", text(MaskFunction.EMAIL, "\"john@x.com\"", 114, 0));
        assertEquals("\"***-**-6789\"", text(MaskFunction.LAST4, " \"123-45-6789\" ", 3802, 0));
        assertEquals("\"****\"", text(MaskFunction.REDACT, "{\"a\": [1, 2]}", 3802, 0));
        assertEquals("\"j***@x.com\"", text(MaskFunction.EMAIL, "\"john@x.com\"", 114, 1), "json binary is text");
    }

    @Test
    void maskedJsonStaysValidJson() throws Exception {
        String[] inputs = { "\"123-45-6789\"", "{\"ssn\":\"123-45-6789\",\"n\":1}", "[\"a\\\"b\", 2]", "42",
                "\"tab\\there \\u00e9 \\\"q\\\" \\\\\"", "null", "\"x@y\\\\z.com\"" };
        for (MaskFunction f : MaskFunction.values()) {
            for (String in : inputs) {
                for (int oid : new int[] { 114, 3802 }) {
                    String out = text(f, in, oid, 0);
                    if (f == MaskFunction.NULL) {
                        assertNull(out);
                        continue;
                    }
                    var node = JSON.readTree(out);
                    assertTrue(node.isTextual(), f + " on " + in + " gave " + out);
                }
            }
        }
    }

    @Test
    void jsonHashMatchesTheTextHashOfTheStringContent() {
        assertEquals("\"" + text(MaskFunction.HASH, "a\"b", 25, 0) + "\"", text(MaskFunction.HASH, "\"a\\\"b\"", 114, 0));
    }

    @Test
    void binaryJsonbKeepsItsVersionByte() {
        byte[] in = concat(new byte[] { 1 }, "\"123-45-6789\"".getBytes(StandardCharsets.UTF_8));
        byte[] out = masker.mask(MaskFunction.LAST4, in, 3802, 1);
        assertArrayEquals(concat(new byte[] { 1 }, "\"***-**-6789\"".getBytes(StandardCharsets.UTF_8)), out);
        byte[] unknownVersion = concat(new byte[] { 2 }, "\"x\"".getBytes(StandardCharsets.UTF_8));
        assertNull(masker.mask(MaskFunction.REDACT, unknownVersion, 3802, 1));
        assertNull(masker.mask(MaskFunction.REDACT, new byte[0], 3802, 1));
    }

    @Test
    void keyAndNamesAreValidated() {
        assertThrows(IllegalArgumentException.class, () -> new ValueMasker(new byte[15]));
        assertThrows(IllegalArgumentException.class, () -> new ValueMasker(null));
        assertEquals(MaskFunction.LAST4, MaskFunction.parse(" last4 "));
        assertEquals(MaskFunction.NULL, MaskFunction.parse("null"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MaskFunction.parse("scramble"));
        assertTrue(e.getMessage().contains("'scramble'"), e.getMessage());
    }

    @Test
    void keyIsCopied() {
        byte[] key = KEY.clone();
        ValueMasker m = new ValueMasker(key);
        String before = m.hash("x");
        key[0] ^= 1;
        assertEquals(before, m.hash("x"));
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
