package dev.pgwarden.masking;

/** The string forms of the masking functions that need no key. */
final class TextMasks {
    static final String REDACTED = "****";
    /** LAST4 shows the last four letters or digits only when at least this many are present. */
    static final int LAST4_MIN_LENGTH = 8;

    private TextMasks() {
    }

    /**
     * Every letter or digit except the last four becomes {@code *}; other characters (separators,
     * spaces) stay, so {@code 123-45-6789} becomes {@code ***-**-6789}. A value with fewer than eight
     * letters and digits is masked completely: showing four of them would show most of the value.
     */
    static String last4(String s) {
        int total = 0;
        for (int i = 0; i < s.length();) {
            int cp = s.codePointAt(i);
            i += Character.charCount(cp);
            if (Character.isLetterOrDigit(cp)) {
                total++;
            }
        }
        int hidden = total >= LAST4_MIN_LENGTH ? total - 4 : total;
        StringBuilder sb = new StringBuilder(s.length());
        int seen = 0;
        for (int i = 0; i < s.length();) {
            int cp = s.codePointAt(i);
            i += Character.charCount(cp);
            if (Character.isLetterOrDigit(cp) && seen++ < hidden) {
                sb.append('*');
            } else {
                sb.appendCodePoint(cp);
            }
        }
        return sb.toString();
    }

    /**
     * {@code john.doe@example.com} becomes {@code j***@example.com}: the first character of the local
     * part and the domain (after the last {@code @}) stay. Anything that is not shaped like an address
     * becomes {@link #REDACTED}.
     */
    static String email(String s) {
        String v = s.strip();
        int at = v.lastIndexOf('@');
        if (at <= 0 || at == v.length() - 1) {
            return REDACTED;
        }
        return new StringBuilder(v.length() - at + 5)
                .appendCodePoint(v.codePointAt(0))
                .append("***@")
                .append(v, at + 1, v.length())
                .toString();
    }
}
