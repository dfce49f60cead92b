package dev.pgwarden.masking;

import java.util.Collection;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;

import io.vertx.core.buffer.Buffer;

/**
 * The second net: finds SSNs, card numbers and e-mail addresses inside text values and masks them
 * in place. SSN {@code 123-45-6789} becomes {@code ***-**-6789}, a card number keeps its last four
 * digits and its separators ({@code **** **** **** 1111}), an address keeps its first character and
 * domain ({@code j***@example.com}). What counts as a match is described in {@link PatternFinder}.
 *
 * <p>This runs on every text value of every row, so a value without a match costs a pre-check (at
 * least 9 or 13 digits, or an {@code @}) and at most one scan, without allocating: the same String
 * instance, or null for bytes, comes back. (Bytes are read through a per-thread view.)
 *
 * <p>Replacements contain no quote or backslash, so a string inside JSON text stays a valid string.
 * The JSON variants also track where strings are: a match outside a string (a card number stored as
 * a JSON number, as {@code row_to_json} writes a bigint) is replaced by a quoted string, minus sign
 * included, and a match never starts inside an escape sequence ({@code \\n}, {@code \\uXXXX}). Escaped
 * characters are not decoded: an address whose {@code @} is written as an escape is not seen.
 *
 * <p>Immutable and thread-safe.
 */
public final class ContentDetectors {
    private static final ContentDetectors NONE = new ContentDetectors(EnumSet.noneOf(Detector.class));
    /** One reusable byte view per thread, so scanning bytes without a match allocates nothing. */
    private static final ThreadLocal<AsciiView> VIEWS = ThreadLocal.withInitial(AsciiView::new);
    private static final ThreadLocal<BufferScratch> BUFFERS = ThreadLocal.withInitial(BufferScratch::new);

    private final Set<Detector> enabled;
    private final PatternFinder finder;

    public ContentDetectors(Collection<Detector> enabled) {
        EnumSet<Detector> set = EnumSet.noneOf(Detector.class);
        set.addAll(enabled);
        this.enabled = Collections.unmodifiableSet(set);
        this.finder = new PatternFinder(set.contains(Detector.SSN), set.contains(Detector.CARD),
                set.contains(Detector.EMAIL));
    }

    public static ContentDetectors all() {
        return new ContentDetectors(EnumSet.allOf(Detector.class));
    }

    public static ContentDetectors none() {
        return NONE;
    }

    public Set<Detector> enabled() {
        return enabled;
    }

    public boolean isEmpty() {
        return finder.isEmpty();
    }

    /** {@code s} with every match masked, or {@code s} itself when nothing matched. */
    public String scan(String s) {
        return scanString(s, false);
    }

    /** As {@link #scan(String)} for JSON text, which stays valid JSON. */
    public String scanJson(String s) {
        return scanString(s, true);
    }

    /**
     * Scans UTF-8 bytes {@code from..to} of {@code buf}.
     *
     * @return the masked bytes, or null when nothing matched
     */
    public Buffer scan(Buffer buf, int from, int to, boolean json) {
        if (!finder.worthScanning(buf, from, to)) {
            return null;
        }
        BufferScratch scratch = BUFFERS.get();
        byte[] src = scratch.in.load(buf, from, to);
        scratch.out.clear();
        if (!scanned(src, 0, to - from, json, scratch.out)) {
            return null;
        }
        return Buffer.buffer(scratch.out.length()).appendBytes(scratch.out.array(), 0, scratch.out.length());
    }

    /**
     * Scans a text column's bytes, as JSON when the value looks like a JSON object or array (its
     * first and last non-blank characters are braces or brackets), as plain text otherwise.
     */
    public Buffer scanText(Buffer buf, int from, int to) {
        return scan(buf, from, to, looksLikeJson(buf, from, to));
    }

    /**
     * Scans UTF-8 bytes {@code from..to} of {@code src}, appending the masked bytes to {@code out}.
     *
     * @return false, with nothing appended, when nothing matched
     */
    boolean scan(byte[] src, int from, int to, boolean json, ScratchBytes out) {
        return finder.worthScanning(src, from, to) && scanned(src, from, to, json, out);
    }

    /** As {@link #scanText(Buffer, int, int)} into {@code out}; false when nothing matched. */
    boolean scanText(byte[] src, int from, int to, ScratchBytes out) {
        return finder.worthScanning(src, from, to) && scanned(src, from, to, looksLikeJson(src, from, to), out);
    }

    private boolean scanned(byte[] src, int from, int to, boolean json, ScratchBytes out) {
        AsciiView view = VIEWS.get();
        if (view.inUse()) {
            view = new AsciiView(); // not expected: scans do not nest
        }
        view.reset(src, from, to);
        try {
            long first = finder.find(view, 0);
            if (first == PatternFinder.NONE) {
                return false;
            }
            int mark = out.length();
            if (rewrite(view, json, first, new BytesOut(src, from, out))) {
                return true;
            }
            out.truncate(mark);
            return false;
        } finally {
            view.clear();
        }
    }

    static boolean looksLikeJson(Buffer buf, int from, int to) {
        while (from < to && isBlank(buf.getByte(from))) {
            from++;
        }
        while (to > from && isBlank(buf.getByte(to - 1))) {
            to--;
        }
        if (to - from < 2) {
            return false;
        }
        byte first = buf.getByte(from);
        byte last = buf.getByte(to - 1);
        return (first == '{' && last == '}') || (first == '[' && last == ']');
    }

    static boolean looksLikeJson(byte[] a, int from, int to) {
        while (from < to && isBlank(a[from])) {
            from++;
        }
        while (to > from && isBlank(a[to - 1])) {
            to--;
        }
        if (to - from < 2) {
            return false;
        }
        byte first = a[from];
        byte last = a[to - 1];
        return (first == '{' && last == '}') || (first == '[' && last == ']');
    }

    private static boolean isBlank(byte b) {
        return b == ' ' || b == '\t' || b == '\n' || b == '\r';
    }

    private String scanString(String s, boolean json) {
        if (s == null || !finder.worthScanning(s)) {
            return s;
        }
        long first = finder.find(s, 0);
        if (first == PatternFinder.NONE) {
            return s;
        }
        StringOut out = new StringOut(s);
        return rewrite(s, json, first, out) ? out.sb.toString() : s;
    }

    private boolean rewrite(CharSequence s, boolean json, long first, Out out) {
        int n = s.length();
        int copied = 0;
        boolean changed = false;
        // JSON state, advanced lazily up to each match: inside a string? end of the current escape?
        boolean inString = false;
        int escapeEnd = 0;
        int scanned = 0;
        for (long m = first; m != PatternFinder.NONE; m = finder.find(s, PatternFinder.end(m))) {
            int kind = PatternFinder.kind(m);
            int start = PatternFinder.start(m);
            int end = PatternFinder.end(m);
            int cut = start; // where the original text stops being copied
            boolean quote = false;
            if (json) {
                for (; scanned < start; scanned++) {
                    if (scanned < escapeEnd) {
                        continue;
                    }
                    char c = s.charAt(scanned);
                    if (inString && c == '\\') {
                        escapeEnd = scanned + (scanned + 1 < n && s.charAt(scanned + 1) == 'u' ? 6 : 2);
                    } else if (c == '"') {
                        inString = !inString;
                    }
                }
                if (start < escapeEnd) {
                    // Only an address's local part can begin inside an escape (a \\n or \\uXXXX before it).
                    if (kind != PatternFinder.EMAIL || escapeEnd >= indexOfAt(s, start, end)) {
                        continue;
                    }
                    start = escapeEnd;
                    cut = start;
                }
                if (!inString) {
                    quote = true;
                    if (kind == PatternFinder.CARD && start > copied && s.charAt(start - 1) == '-') {
                        cut = start - 1; // -4111111111111111 as a JSON number: the sign goes too
                    }
                }
            }
            out.copy(copied, cut);
            if (quote) {
                out.ascii('"');
            }
            replace(s, kind, start, end, out);
            if (quote) {
                out.ascii('"');
            }
            copied = end;
            changed = true;
        }
        if (changed) {
            out.copy(copied, n);
        }
        return changed;
    }

    private static void replace(CharSequence s, int kind, int start, int end, Out out) {
        switch (kind) {
            case PatternFinder.SSN -> {
                out.ascii("***-**-");
                out.copy(end - 4, end);
            }
            case PatternFinder.CARD -> {
                int digits = 0;
                for (int k = start; k < end; k++) {
                    if (PatternFinder.isDigit(s.charAt(k))) {
                        digits++;
                    }
                }
                int seen = 0;
                for (int k = start; k < end; k++) {
                    char c = s.charAt(k);
                    boolean hide = PatternFinder.isDigit(c) && seen++ < digits - 4;
                    out.ascii(hide ? '*' : c);
                }
            }
            default -> {
                char first = s.charAt(start);
                out.ascii(PatternFinder.isAsciiAlnum(first) ? first : '*');
                out.ascii("***@");
                out.copy(indexOfAt(s, start, end) + 1, end);
            }
        }
    }

    private static int indexOfAt(CharSequence s, int from, int to) {
        for (int k = from; k < to; k++) {
            if (s.charAt(k) == '@') {
                return k;
            }
        }
        return to;
    }

    /** Where the rewritten text goes: copies of source ranges and ASCII replacement characters. */
    private abstract static class Out {
        abstract void copy(int from, int to);

        abstract void ascii(char c);

        final void ascii(String s) {
            for (int i = 0; i < s.length(); i++) {
                ascii(s.charAt(i));
            }
        }
    }

    private static final class StringOut extends Out {
        final String src;
        final StringBuilder sb;

        StringOut(String src) {
            this.src = src;
            this.sb = new StringBuilder(src.length() + 16);
        }

        @Override
        void copy(int from, int to) {
            sb.append(src, from, to);
        }

        @Override
        void ascii(char c) {
            sb.append(c);
        }
    }

    /** Appends to a scratch array, copying source ranges from bytes at {@code offset}. */
    private static final class BytesOut extends Out {
        final byte[] src;
        final int offset;
        final ScratchBytes out;

        BytesOut(byte[] src, int offset, ScratchBytes out) {
            this.src = src;
            this.offset = offset;
            this.out = out;
        }

        @Override
        void copy(int from, int to) {
            out.append(src, offset + from, offset + to);
        }

        @Override
        void ascii(char c) {
            out.append((byte) c);
        }
    }

    /** Per-thread arrays for scanning a Buffer: its bytes and the masked result. */
    private static final class BufferScratch {
        final ScratchBytes in = new ScratchBytes();
        final ScratchBytes out = new ScratchBytes();
    }
}
