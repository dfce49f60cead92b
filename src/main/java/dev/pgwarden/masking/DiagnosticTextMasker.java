package dev.pgwarden.masking;

import java.util.HashSet;
import java.util.Locale;
import java.util.Set;

import dev.pgwarden.wire.DiagnosticFields;

/**
 * Masks the values PostgreSQL writes into the text of its errors and notices. A failing cast
 * quotes the value it could not read ({@code invalid input syntax for type integer: "123-45-6789"}),
 * a key violation quotes the key ({@code Key (ssn)=(123-45-6789) already exists.}), a check
 * violation the whole row, a JSON or XML error the text around the fault, and code in the
 * database ({@code RAISE NOTICE '%', r.ssn}) anything at all. None of that is a result column, so
 * none of it passes the result masking.
 *
 * <p>What changes, field by field: message, detail and hint lose every quoted value (from the
 * first quote that is not a name to the last quote, since a value may itself contain quotes),
 * the values of key details and failing rows, the unquoted tail of a data exception's message
 * ({@code date field value out of range: 1-45-01}), and the detail of XML errors; the context
 * field is read line by line (string literals inside a quoted SQL statement, JSON data, quoted
 * values); the internal query loses its string literals (its position is moved to match). Text
 * raised by code running in the database is withheld whole, since nothing tells its wording from
 * the values it prints. Then every text field goes through the content detectors.
 *
 * <p>What stays: the SQLSTATE, severity, the wording around the values, the position, the file,
 * line and routine, and the object names PostgreSQL reports in their own fields (schema, table,
 * column, data type, constraint) wherever they are quoted. A quoted text equal to what the client
 * wrote at the error's position (a misspelt column, its own literal) stays too, so an agent can
 * still fix its SQL. Names the client wrote elsewhere do not count: a client could otherwise list
 * guesses in its statement and see which one came back unmasked.
 *
 * <p>Quoted values are masked only when the policy masks columns ({@code maskValues}); the
 * detectors run whenever configured. Immutable and thread-safe.
 */
public final class DiagnosticTextMasker {
    static final String MASK = TextMasks.REDACTED;
    static final String WITHHELD = "pgwarden withheld this message: it was raised by code running in the database,"
            + " which may print masked values";
    private static final String[] KEY_VALUE_ENDS = { ") already exists", ") is not present in table",
            ") is still referenced from table", ") conflicts with existing key", ") is duplicated" };
    private static final String FAILING_ROW = "Failing row contains (";

    private final ContentDetectors detectors;
    private final boolean maskValues;

    public DiagnosticTextMasker(ContentDetectors detectors, boolean maskValues) {
        this.detectors = detectors;
        this.maskValues = maskValues;
    }

    /** Nothing would ever change: skip parsing. */
    public boolean inactive() {
        return !maskValues && detectors.isEmpty();
    }

    /**
     * @param statement the statement the message is about, as the client sent it (null when unknown)
     * @return the masked fields, or null when nothing changed
     */
    public DiagnosticFields mask(DiagnosticFields fields, String statement) {
        if (inactive()) {
            return null;
        }
        String sqlState = fields.get(DiagnosticFields.SQLSTATE);
        boolean raised = maskValues && raisedByCode(fields);
        Set<String> names = maskValues ? exemptNames(fields, statement) : Set.of();
        DiagnosticFields out = fields;
        InternalQuery rewritten = null;
        for (int i = 0; i < fields.size(); i++) {
            String value = fields.value(i);
            String masked = switch (fields.code(i)) {
                case DiagnosticFields.MESSAGE -> raised ? WITHHELD : text(value, names, sqlState, true);
                case DiagnosticFields.DETAIL -> raised || maskValues && isXmlError(sqlState) ? MASK
                        : text(value, names, sqlState, false);
                case DiagnosticFields.HINT -> raised ? MASK : text(value, names, sqlState, false);
                case DiagnosticFields.WHERE -> maskValues ? context(value, names) : value;
                case DiagnosticFields.INTERNAL_QUERY -> {
                    if (!maskValues) {
                        yield value;
                    }
                    rewritten = InternalQuery.maskLiterals(value);
                    yield rewritten.text;
                }
                default -> null;
            };
            if (masked == null) {
                continue;
            }
            masked = detectors.scan(masked);
            if (!masked.equals(value)) {
                out = out.with(i, masked);
            }
        }
        if (rewritten != null && rewritten.changed()) {
            out = movedInternalPosition(out, rewritten);
        }
        return out == fields ? null : out;
    }

    /** A notification payload, through the detectors (null when unchanged). */
    public String maskPayload(String payload) {
        String masked = detectors.scan(payload);
        return masked.equals(payload) ? null : masked;
    }

    private String text(String value, Set<String> names, String sqlState, boolean message) {
        if (!maskValues) {
            return value;
        }
        String t = keyValues(value);
        t = failingRow(t);
        t = quoted(t, names);
        if (message && sqlState != null && sqlState.startsWith("22")) {
            t = unquotedTail(t);
        }
        return t;
    }

    /** PL/pgSQL RAISE and ASSERT, and the other procedural languages' own messages. */
    static boolean raisedByCode(DiagnosticFields f) {
        String routine = f.get(DiagnosticFields.ROUTINE);
        if ("exec_stmt_raise".equals(routine) || "exec_stmt_assert".equals(routine)) {
            return true;
        }
        String file = f.get(DiagnosticFields.FILE);
        return file != null && (file.startsWith("plpy") || file.startsWith("plperl") || file.startsWith("pltcl"));
    }

    /** invalid_xml_document, invalid_xml_content, not_an_xml_document, ...: their detail quotes the text. */
    private static boolean isXmlError(String sqlState) {
        return sqlState != null && sqlState.length() == 5 && sqlState.startsWith("2200")
                && "LMNST".indexOf(sqlState.charAt(4)) >= 0;
    }

    /** Names PostgreSQL reports in fields of their own, and what the client wrote at the error's position. */
    static Set<String> exemptNames(DiagnosticFields f, String statement) {
        Set<String> names = new HashSet<>();
        for (char code : new char[] { DiagnosticFields.SCHEMA, DiagnosticFields.TABLE, DiagnosticFields.COLUMN,
                DiagnosticFields.DATA_TYPE, DiagnosticFields.CONSTRAINT }) {
            String v = f.get(code);
            if (v != null && !v.isEmpty()) {
                names.add(v);
            }
        }
        String position = f.get(DiagnosticFields.POSITION);
        if (statement != null && position != null) {
            String token = tokenAt(statement, position);
            if (token != null && !token.isEmpty()) {
                names.add(token);
                names.add(token.toLowerCase(Locale.ROOT));
            }
        }
        return names;
    }

    /** The identifier, quoted identifier or string literal at 1-based character {@code position}. */
    static String tokenAt(String sql, String position) {
        int index;
        try {
            int p = Integer.parseInt(position.trim());
            if (p < 1 || p > sql.codePointCount(0, sql.length())) {
                return null;
            }
            index = sql.offsetByCodePoints(0, p - 1);
        } catch (NumberFormatException | IndexOutOfBoundsException e) {
            return null;
        }
        char c = sql.charAt(index);
        if (c == 'E' || c == 'e') {
            if (index + 1 < sql.length() && sql.charAt(index + 1) == '\'') {
                index++;
                c = '\'';
            }
        }
        if (c == '\'' || c == '"') {
            StringBuilder sb = new StringBuilder();
            for (int i = index + 1; i < sql.length(); i++) {
                char ch = sql.charAt(i);
                if (ch == c) {
                    if (i + 1 < sql.length() && sql.charAt(i + 1) == c) {
                        sb.append(c);
                        i++;
                        continue;
                    }
                    return sb.toString();
                }
                sb.append(ch);
            }
            return null;
        }
        int end = index;
        while (end < sql.length()) {
            char ch = sql.charAt(end);
            if (Character.isLetterOrDigit(ch) || ch == '_' || ch == '$' || ch == '.') {
                end++;
            } else {
                break;
            }
        }
        return end > index ? sql.substring(index, end) : null;
    }

    /** {@code Key (ssn)=(123-45-6789) already exists.}: the values, whatever they contain. */
    static String keyValues(String t) {
        int from = 0;
        while (true) {
            int k = t.indexOf(")=(", from);
            int skip = 3;
            int spaced = t.indexOf(") = (", from);
            if (spaced >= 0 && (k < 0 || spaced < k)) {
                k = spaced;
                skip = 5;
            }
            if (k < 0) {
                return t;
            }
            int start = k + skip;
            int end = -1;
            for (String marker : KEY_VALUE_ENDS) {
                int e = t.indexOf(marker, start);
                if (e >= 0 && (end < 0 || e < end)) {
                    end = e;
                }
            }
            if (end < 0) {
                end = Math.max(t.lastIndexOf(')'), start);
            }
            t = t.substring(0, start) + MASK + t.substring(end);
            from = start + MASK.length();
        }
    }

    private static String failingRow(String t) {
        int k = t.indexOf(FAILING_ROW);
        if (k < 0) {
            return t;
        }
        int start = k + FAILING_ROW.length();
        int end = Math.max(t.lastIndexOf(')'), start);
        return t.substring(0, start) + MASK + t.substring(end);
    }

    /**
     * Quoted spans that are not names are masked. PostgreSQL does not escape quotes inside the
     * values it quotes, so once a span is not a name everything up to the last quote is masked.
     */
    static String quoted(String t, Set<String> names) {
        int from = 0;
        while (true) {
            int open = t.indexOf('"', from);
            if (open < 0) {
                return t;
            }
            int close = t.indexOf('"', open + 1);
            if (close < 0) {
                return t.substring(0, open + 1) + MASK; // an unterminated quote: the rest may be the value
            }
            if (names.contains(t.substring(open + 1, close))) {
                from = close + 1;
                continue;
            }
            int last = t.lastIndexOf('"');
            return t.substring(0, open + 1) + MASK + t.substring(last);
        }
    }

    /** {@code date field value out of range: 1-45-01}: data exceptions print some values unquoted after a colon. */
    private static String unquotedTail(String t) {
        int colon = t.lastIndexOf(": ");
        if (colon < 0) {
            return t;
        }
        String tail = t.substring(colon + 2);
        if (tail.isEmpty() || tail.startsWith("\"") || tail.equals(MASK)) {
            return t;
        }
        return t.substring(0, colon + 2) + MASK;
    }

    /** The context, one line (one stack frame) at a time. */
    private static String context(String where, Set<String> names) {
        String[] lines = where.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            lines[i] = contextLine(lines[i], names);
        }
        return String.join("\n", lines);
    }

    private static String contextLine(String line, Set<String> names) {
        if (line.startsWith("SQL statement \"") && line.endsWith("\"")) {
            String sql = line.substring(15, line.length() - 1);
            return "SQL statement \"" + InternalQuery.maskLiterals(sql).text + "\"";
        }
        int json = line.indexOf("JSON data, line ");
        if (json >= 0) {
            int colon = line.indexOf(": ", json);
            return colon < 0 ? line : line.substring(0, colon + 2) + MASK;
        }
        if (line.startsWith("SQL function \"") || line.startsWith("PL/pgSQL function ")
                || line.startsWith("SQL expression \"")) {
            if (line.startsWith("SQL expression \"") && line.endsWith("\"")) {
                String sql = line.substring(16, line.length() - 1);
                return "SQL expression \"" + InternalQuery.maskLiterals(sql).text + "\"";
            }
            return line; // a code location: function names and line numbers
        }
        return quoted(keyValues(line), names);
    }

    private static DiagnosticFields movedInternalPosition(DiagnosticFields f, InternalQuery q) {
        for (int i = 0; i < f.size(); i++) {
            if (f.code(i) == DiagnosticFields.INTERNAL_POSITION) {
                try {
                    int moved = q.movedPosition(Integer.parseInt(f.value(i).trim()));
                    return f.with(i, Integer.toString(moved));
                } catch (NumberFormatException e) {
                    return f;
                }
            }
        }
        return f;
    }

    /** SQL text with the contents of its string literals masked, and where positions move. */
    static final class InternalQuery {
        final String text;
        /** Pairs of (original start, original end) of each masked literal body, in order. */
        private final int[] spans;
        private final int count;

        private InternalQuery(String text, int[] spans, int count) {
            this.text = text;
            this.spans = spans;
            this.count = count;
        }

        boolean changed() {
            return count > 0;
        }

        static InternalQuery maskLiterals(String sql) {
            StringBuilder out = new StringBuilder(sql.length());
            int[] spans = new int[8];
            int count = 0;
            int i = 0;
            while (i < sql.length()) {
                char c = sql.charAt(i);
                if (c != '\'') {
                    out.append(c);
                    i++;
                    continue;
                }
                int end = i + 1;
                while (end < sql.length()) {
                    if (sql.charAt(end) == '\'') {
                        if (end + 1 < sql.length() && sql.charAt(end + 1) == '\'') {
                            end += 2;
                            continue;
                        }
                        break;
                    }
                    end++;
                }
                out.append('\'').append(MASK);
                if (count * 2 == spans.length) {
                    spans = java.util.Arrays.copyOf(spans, spans.length * 2);
                }
                spans[count * 2] = i + 1;
                spans[count * 2 + 1] = Math.min(end, sql.length());
                count++;
                if (end < sql.length()) {
                    out.append('\'');
                }
                i = end + 1;
            }
            return new InternalQuery(count == 0 ? sql : out.toString(), spans, count);
        }

        /** Where 1-based character {@code position} of the original text is in the masked one. */
        int movedPosition(int position) {
            int index = position - 1;
            int shift = 0;
            for (int k = 0; k < count; k++) {
                int start = spans[k * 2];
                int end = spans[k * 2 + 1];
                if (index < start) {
                    break;
                }
                if (index < end) {
                    return start + shift + 1; // inside a masked literal: its start
                }
                shift += MASK.length() - (end - start);
            }
            return index + shift + 1;
        }
    }
}
