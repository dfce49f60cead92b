package dev.pgwarden.masking;

import java.util.Locale;

/**
 * What replaces a sensitive column value. How each function is applied depends on the column's
 * type and format (see {@link ValueMasker}): text-like values are rewritten as strings, JSON values
 * stay valid JSON, and any other type becomes SQL NULL, the only value that is valid for every type.
 */
public enum MaskFunction {
    /** A fixed {@code ****}: hides the value and its length. */
    REDACT,
    /** Every letter or digit but the last four becomes {@code *}, separators stay: {@code ***-**-6789}. */
    LAST4,
    /** {@code sha256:} + 16 hex digits of an HMAC-SHA256 under the gateway's key: equal values stay equal. */
    HASH,
    /** SQL NULL. */
    NULL,
    /** First character and domain kept: {@code j***@example.com}; a value without an address becomes {@code ****}. */
    EMAIL;

    /** Case-insensitive lookup by name; an unknown name is an {@link IllegalArgumentException} naming it. */
    public static MaskFunction parse(String name) {
        if (name != null) {
            String wanted = name.trim().toUpperCase(Locale.ROOT);
            for (MaskFunction f : values()) {
                if (f.name().equals(wanted)) {
                    return f;
                }
            }
        }
        throw new IllegalArgumentException("unknown masking function '" + name
                + "' (expected one of REDACT, LAST4, HASH, NULL, EMAIL)");
    }
}
