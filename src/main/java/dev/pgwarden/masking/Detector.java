package dev.pgwarden.masking;

import java.util.Locale;

/** The content detectors {@link ContentDetectors} can run. */
public enum Detector {
    /** US social security numbers written {@code 123-45-6789}. */
    SSN,
    /** Payment card numbers: 13 to 19 digits passing the Luhn check. */
    CARD,
    /** E-mail addresses. */
    EMAIL;

    /** Case-insensitive lookup by name; an unknown name is an {@link IllegalArgumentException} naming it. */
    public static Detector parse(String name) {
        if (name != null) {
            String wanted = name.trim().toUpperCase(Locale.ROOT);
            for (Detector d : values()) {
                if (d.name().equals(wanted)) {
                    return d;
                }
            }
        }
        throw new IllegalArgumentException("unknown content detector '" + name + "' (expected one of SSN, CARD, EMAIL)");
    }
}
