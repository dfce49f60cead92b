package dev.pgwarden.masking;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.HexFormat;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Applies a {@link MaskFunction} to one column value so that the result still decodes as the
 * column's type:
 * <ul>
 * <li>{@link TypeClass#TEXT} values are masked as UTF-8 strings (binary text is raw UTF-8 too);</li>
 * <li>{@link TypeClass#JSON} values become a JSON string literal ({@code "****"}); when the value is
 * itself a JSON string, the function applies to its content, so {@code "john@x.com"} becomes
 * {@code "j***@x.com"}. Binary jsonb keeps its version byte;</li>
 * <li>{@link TypeClass#OTHER} values (numbers, dates, bytea, uuid, arrays...) become SQL NULL
 * whatever the function: no other masked value is valid for every such type, and keeping digits of
 * a number (LAST4 on numeric) would still leak them.</li>
 * </ul>
 * SQL NULL stays NULL, and {@link MaskFunction#NULL} makes every value NULL.
 *
 * <p>HASH is an HMAC-SHA256 under a key the gateway holds, truncated to 64 bits: equal values map to
 * equal hashes (joins, grouping and counting still work), but without the key a hash cannot be
 * reversed by hashing every candidate (there are only 10^9 SSNs; a plain SHA-256 of one falls to a
 * dictionary in seconds). Rotating the key changes every hash. Thread-safe.
 */
public final class ValueMasker {
    public static final int MIN_KEY_LENGTH = 16;
    static final String HASH_PREFIX = "sha256:";
    private static final HexFormat HEX = HexFormat.of();

    private final Mac prototype;

    /** @param hmacKey the gateway's secret for HASH, at least 16 bytes (copied) */
    public ValueMasker(byte[] hmacKey) {
        if (hmacKey == null || hmacKey.length < MIN_KEY_LENGTH) {
            throw new IllegalArgumentException("the HASH key must have at least " + MIN_KEY_LENGTH + " bytes");
        }
        try {
            prototype = Mac.getInstance("HmacSHA256");
            prototype.init(new SecretKeySpec(hmacKey.clone(), "HmacSHA256"));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }

    /**
     * @param value the column value, null for SQL NULL
     * @return the replacement value, null for SQL NULL
     */
    public byte[] mask(MaskFunction function, byte[] value, int typeOid, int formatCode) {
        if (value == null || function == MaskFunction.NULL) {
            return null;
        }
        switch (TypeClass.of(typeOid, formatCode)) {
            case TEXT:
                return utf8(maskText(function, new String(value, StandardCharsets.UTF_8)));
            case JSON:
                return utf8(maskJson(function, new String(value, StandardCharsets.UTF_8)));
            case JSONB_BINARY:
                if (value.length == 0 || value[0] != 1) {
                    return null; // a jsonb version we do not know: NULL is the safe answer
                }
                String json = new String(value, 1, value.length - 1, StandardCharsets.UTF_8);
                byte[] text = utf8(maskJson(function, json));
                byte[] out = new byte[text.length + 1];
                out[0] = 1;
                System.arraycopy(text, 0, out, 1, text.length);
                return out;
            default:
                return null;
        }
    }

    /**
     * As {@link #mask(MaskFunction, byte[], int, int)} with a non-detecting {@code column}'s function
     * and type, on bytes {@code from..to} of {@code value},
     * appending the masked bytes to {@code out}. Text values are masked on their bytes when
     * {@link AsciiMasks} can; the rest takes the String route.
     *
     * @return false, with nothing appended, for SQL NULL
     */
    boolean mask(ColumnMask column, byte[] value, int from, int to, ScratchBytes out) {
        MaskFunction function = column.function();
        if (function == MaskFunction.NULL || column.typeClass() == TypeClass.OTHER
                || column.typeClass() == TypeClass.STRUCTURED_TEXT) {
            return false;
        }
        if (column.typeClass() == TypeClass.TEXT && AsciiMasks.apply(function, value, from, to, out)) {
            return true;
        }
        byte[] masked = mask(function, Arrays.copyOfRange(value, from, to), column.typeOid(), column.formatCode());
        if (masked == null) {
            return false;
        }
        out.append(masked, 0, masked.length);
        return true;
    }

    /** The function applied to a string; null means SQL NULL. */
    public String maskText(MaskFunction function, String value) {
        if (value == null) {
            return null;
        }
        return switch (function) {
            case REDACT -> TextMasks.REDACTED;
            case LAST4 -> TextMasks.last4(value);
            case HASH -> hash(value);
            case NULL -> null;
            case EMAIL -> TextMasks.email(value);
        };
    }

    /** The function applied to a JSON text, giving a JSON string literal; null means SQL NULL. */
    public String maskJson(MaskFunction function, String json) {
        if (json == null || function == MaskFunction.NULL) {
            return null;
        }
        String content = JsonStrings.unquote(json);
        return JsonStrings.quote(maskText(function, content != null ? content : json));
    }

    /** {@code sha256:} and the first 16 hex digits of HMAC-SHA256(key, UTF-8 of value). */
    public String hash(String value) {
        byte[] mac = mac().doFinal(value.getBytes(StandardCharsets.UTF_8));
        return HASH_PREFIX + HEX.formatHex(mac, 0, 8);
    }

    private Mac mac() {
        try {
            return (Mac) prototype.clone();
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException("HmacSHA256 provider does not support cloning", e);
        }
    }

    private static byte[] utf8(String s) {
        return s == null ? null : s.getBytes(StandardCharsets.UTF_8);
    }
}
