package dev.pgwarden.policy;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import dev.pgwarden.sql.ColumnRef;
import dev.pgwarden.sql.FunctionName;
import dev.pgwarden.sql.TableName;

/**
 * A dotted name pattern from a policy ({@code public.customers}, {@code *.ssn}, {@code audit.*},
 * {@code *.dblink*}). {@code *} matches any run of characters within one part; matching ignores case. A pattern
 * with fewer parts than the name matches any value of the missing leading parts ({@code customers} is
 * {@code *.customers}). A part the statement left unknown (an unqualified function's schema, the table of a
 * column that could not be attributed) matches anything, so that rules err towards applying.
 */
public final class NamePattern {
    private final String text;
    private final String[] parts;

    private NamePattern(String text, String[] parts) {
        this.text = text;
        this.parts = parts;
    }

    /** Parses a pattern of at most {@code maxParts} dot-separated parts; parts may be "double-quoted". */
    static NamePattern parse(String text, int maxParts) {
        List<String> parts = new ArrayList<>();
        StringBuilder part = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '"') {
                quoted = !quoted;
            } else if (c == '.' && !quoted) {
                parts.add(part.toString());
                part.setLength(0);
            } else if (Character.isWhitespace(c) && !quoted) {
                throw new IllegalArgumentException("'" + text + "' contains whitespace");
            } else {
                part.append(c);
            }
        }
        if (quoted) {
            throw new IllegalArgumentException("'" + text + "' has an unclosed quote");
        }
        parts.add(part.toString());
        if (parts.size() > maxParts) {
            throw new IllegalArgumentException("'" + text + "' has more than " + maxParts + " dot-separated parts");
        }
        for (String p : parts) {
            if (p.isEmpty()) {
                throw new IllegalArgumentException("'" + text + "' has an empty part");
            }
        }
        return new NamePattern(text, parts.stream().map(p -> p.toLowerCase(Locale.ROOT)).toArray(String[]::new));
    }

    /** Matches a table; an unqualified {@code pg_*} name is also tried in pg_catalog, which is searched first. */
    boolean matchesTable(TableName t) {
        return matchesRight(t.schema(), t.name(), null, 2)
                || (TableName.DEFAULT_SCHEMA.equals(t.schema()) && t.name().startsWith("pg_")
                        && matchesRight("pg_catalog", t.name(), null, 2));
    }

    /** Matches a column; "all columns of t" matches any pattern whose table parts match t. */
    boolean matchesColumn(ColumnRef c) {
        String schema = c.table() == null ? null : c.table().schema();
        String table = c.table() == null ? null : c.table().name();
        return matchesRight(schema, table, c.column(), 3);
    }

    boolean matchesFunction(FunctionName f) {
        return matchesRight(f.schema(), f.name(), null, 2);
    }

    /**
     * Aligns the pattern's parts to the right of (a, b[, c]); a null name part matches anything. With width 2
     * the name is (a, b); with width 3 it is (a, b, c).
     */
    private boolean matchesRight(String a, String b, String c, int width) {
        int offset = width - parts.length; // name index of the pattern's first part
        for (int k = 0; k < parts.length; k++) {
            int nameIndex = offset + k;
            String value = nameIndex == 0 ? a : nameIndex == 1 ? b : c;
            if (value != null && !glob(parts[k], value)) {
                return false;
            }
        }
        return true;
    }

    /** Case-insensitive wildcard match without allocation; '*' is the only wildcard. */
    static boolean glob(String pattern, String value) {
        int p = 0;
        int v = 0;
        int star = -1;
        int mark = 0;
        while (v < value.length()) {
            if (p < pattern.length() && pattern.charAt(p) != '*'
                    && Character.toLowerCase(pattern.charAt(p)) == Character.toLowerCase(value.charAt(v))) {
                p++;
                v++;
            } else if (p < pattern.length() && pattern.charAt(p) == '*') {
                star = p++;
                mark = v;
            } else if (star >= 0) {
                p = star + 1;
                v = ++mark;
            } else {
                return false;
            }
        }
        while (p < pattern.length() && pattern.charAt(p) == '*') {
            p++;
        }
        return p == pattern.length();
    }

    @Override
    public String toString() {
        return text;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof NamePattern other && other.text.equals(text);
    }

    @Override
    public int hashCode() {
        return text.hashCode();
    }
}
