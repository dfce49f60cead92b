package dev.pgwarden.masking;

import io.vertx.core.buffer.Buffer;

/**
 * Finds the next SSN, card number or e-mail address in a character sequence, by hand rather than
 * with regular expressions so that a value without a match costs one pass and no allocation. A
 * match is packed into a long: kind, start and end (exclusive).
 *
 * <p>Every pattern is ASCII, so the same code reads Java strings and UTF-8 bytes (through
 * {@link AsciiView}): a unit at or above 0x80 is never part of a number and counts as a boundary.
 *
 * <ul>
 * <li>SSN: {@code ddd-dd-dddd} between boundaries. Nine digits without dashes are not flagged: too
 * many ordinary numbers look like that.</li>
 * <li>CARD: 13 to 19 digits, either in one run or in groups of 3 to 6 digits separated by one space
 * or one dash (the same separator throughout), passing the Luhn check, and starting with 2 to 6 (the
 * major industry identifiers of Visa, Mastercard, Amex, Discover, JCB, Diners, UnionPay, Maestro).
 * The leading-digit rule keeps epoch timestamps in milliseconds or microseconds and snowflake ids,
 * which start with 1, from being flagged one time in ten by Luhn alone; UATP airline cards (leading
 * 1) are not detected.</li>
 * <li>EMAIL: {@code local@domain.tld}: the local part made of ASCII letters, digits, {@code ._%+-} or
 * non-ASCII characters; the domain of at least two ASCII labels, the last of two or more letters.
 * Unicode domain names are not detected (punycode ones are).</li>
 * </ul>
 * A boundary is anything but an ASCII letter, digit or underscore, except that a {@code .} between
 * digits joins them (no match inside {@code 0.4111111111111111}), and a letter right after a
 * backslash counts as a boundary so that numbers behind {@code \n} in JSON text are seen.
 */
final class PatternFinder {
    static final int SSN = 0;
    static final int CARD = 1;
    static final int EMAIL = 2;
    static final long NONE = -1L;

    private final boolean ssn;
    private final boolean card;
    private final boolean email;
    private final int minDigits;

    PatternFinder(boolean ssn, boolean card, boolean email) {
        this.ssn = ssn;
        this.card = card;
        this.email = email;
        this.minDigits = ssn ? 9 : card ? 13 : Integer.MAX_VALUE;
    }

    boolean isEmpty() {
        return !ssn && !card && !email;
    }

    /** The cheap pre-check: a match needs at least 9 (SSN) or 13 (card) digits, or an {@code @}. */
    boolean worthScanning(CharSequence s) {
        int digits = 0;
        int n = s.length();
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c <= '9') {
                if (c >= '0' && ++digits >= minDigits) {
                    return true;
                }
            } else if (c == '@' && email) {
                return true;
            }
        }
        return false;
    }

    boolean worthScanning(byte[] a, int from, int to) {
        int digits = 0;
        for (int i = from; i < to; i++) {
            byte c = a[i];
            if (c <= '9') {
                if (c >= '0' && ++digits >= minDigits) {
                    return true;
                }
            } else if (c == '@' && email) {
                return true;
            }
        }
        return false;
    }

    boolean worthScanning(Buffer buf, int from, int to) {
        int digits = 0;
        for (int i = from; i < to; i++) {
            byte c = buf.getByte(i);
            if (c <= '9') {
                if (c >= '0' && ++digits >= minDigits) {
                    return true;
                }
            } else if (c == '@' && email) {
                return true;
            }
        }
        return false;
    }

    /** The first match starting at or after {@code from}, or {@link #NONE}. */
    long find(CharSequence s, int from) {
        int n = s.length();
        int i = from;
        while (i < n) {
            char c = s.charAt(i);
            if (isDigit(c)) {
                if ((ssn || card) && leftBoundary(s, i)) {
                    if (ssn) {
                        int e = ssnEnd(s, i, n);
                        if (e >= 0) {
                            return pack(SSN, i, e);
                        }
                    }
                    if (card) {
                        int e = cardEnd(s, i, n);
                        if (e >= 0) {
                            return pack(CARD, i, e);
                        }
                    }
                }
                i = digitsEnd(s, i + 1, n);
            } else {
                if (c == '@' && email) {
                    long m = emailAround(s, i, from, n);
                    if (m != NONE) {
                        return m;
                    }
                }
                i++;
            }
        }
        return NONE;
    }

    static int kind(long m) {
        return (int) (m >>> 62);
    }

    static int start(long m) {
        return (int) ((m >>> 31) & 0x7FFF_FFFF);
    }

    static int end(long m) {
        return (int) (m & 0x7FFF_FFFF);
    }

    static long pack(int kind, int start, int end) {
        return ((long) kind << 62) | ((long) start << 31) | end;
    }

    private static int ssnEnd(CharSequence s, int i, int n) {
        if (i + 11 > n) {
            return -1;
        }
        for (int k = 0; k < 11; k++) {
            char c = s.charAt(i + k);
            boolean ok = k == 3 || k == 6 ? c == '-' : isDigit(c);
            if (!ok) {
                return -1;
            }
        }
        return rightBoundary(s, i + 11, n) ? i + 11 : -1;
    }

    /** End of the longest card number starting at {@code i}, or -1. */
    private static int cardEnd(CharSequence s, int i, int n) {
        char lead = s.charAt(i);
        if (lead < '2' || lead > '6') {
            return -1;
        }
        int groupEnd = digitsEnd(s, i, n);
        int digits = groupEnd - i;
        if (digits >= 13 && digits <= 19) {
            return rightBoundary(s, groupEnd, n) && luhn(s, i, groupEnd) ? groupEnd : -1;
        }
        if (digits < 3 || digits > 6) {
            return -1;
        }
        int best = -1;
        char sep = 0;
        int end = groupEnd;
        while (end + 1 < n) {
            char c = s.charAt(end);
            if ((c != ' ' && c != '-') || (sep != 0 && c != sep) || !isDigit(s.charAt(end + 1))) {
                break;
            }
            sep = c;
            int next = digitsEnd(s, end + 1, n);
            int length = next - end - 1;
            digits += length;
            if (length < 3 || length > 6 || digits > 19) {
                break;
            }
            end = next;
            if (digits >= 13 && rightBoundary(s, end, n) && luhn(s, i, end)) {
                best = end;
            }
        }
        return best;
    }

    private long emailAround(CharSequence s, int at, int lower, int n) {
        int start = at;
        while (start > lower && isLocal(s.charAt(start - 1))) {
            start--;
        }
        while (start < at && s.charAt(start) == '.') {
            start++;
        }
        if (start == at) {
            return NONE;
        }
        int domainEnd = -1;
        int labels = 0;
        int j = at + 1;
        while (true) {
            int labelStart = j;
            while (j < n && isDomainChar(s.charAt(j))) {
                j++;
            }
            if (j == labelStart) {
                break;
            }
            if (++labels >= 2 && isTopLevel(s, labelStart, j)) {
                domainEnd = j;
            }
            if (j + 1 < n && s.charAt(j) == '.' && isDomainChar(s.charAt(j + 1))) {
                j++;
            } else {
                break;
            }
        }
        return domainEnd < 0 ? NONE : pack(EMAIL, start, domainEnd);
    }

    static boolean luhn(CharSequence s, int from, int to) {
        int sum = 0;
        boolean twice = false;
        for (int k = to - 1; k >= from; k--) {
            char c = s.charAt(k);
            if (!isDigit(c)) {
                continue;
            }
            int d = c - '0';
            if (twice) {
                d *= 2;
                if (d > 9) {
                    d -= 9;
                }
            }
            sum += d;
            twice = !twice;
        }
        return sum % 10 == 0;
    }

    private static boolean leftBoundary(CharSequence s, int i) {
        if (i == 0) {
            return true;
        }
        char p = s.charAt(i - 1);
        if (p == '.') {
            return i < 2 || !isDigit(s.charAt(i - 2));
        }
        if (isWord(p)) {
            // "\n4111..." inside JSON text: the n is an escape, not a letter joined to the number
            return i >= 2 && s.charAt(i - 2) == '\\' && "nrtbf".indexOf(p) >= 0;
        }
        return true;
    }

    private static boolean rightBoundary(CharSequence s, int e, int n) {
        if (e >= n) {
            return true;
        }
        char c = s.charAt(e);
        if (c == '.') {
            return e + 1 >= n || !isDigit(s.charAt(e + 1));
        }
        return !isWord(c);
    }

    private static int digitsEnd(CharSequence s, int i, int n) {
        while (i < n && isDigit(s.charAt(i))) {
            i++;
        }
        return i;
    }

    private static boolean isTopLevel(CharSequence s, int from, int to) {
        if (to - from < 2) {
            return false;
        }
        for (int k = from; k < to; k++) {
            if (!isAsciiLetter(s.charAt(k))) {
                return false;
            }
        }
        return true;
    }

    static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    static boolean isAsciiLetter(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    }

    static boolean isAsciiAlnum(char c) {
        return isAsciiLetter(c) || isDigit(c);
    }

    private static boolean isWord(char c) {
        return isAsciiAlnum(c) || c == '_';
    }

    private static boolean isLocal(char c) {
        return isAsciiAlnum(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-' || c >= 0x80;
    }

    private static boolean isDomainChar(char c) {
        return isAsciiAlnum(c) || c == '-';
    }
}
