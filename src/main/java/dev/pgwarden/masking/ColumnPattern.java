package dev.pgwarden.masking;

import java.util.Locale;

/**
 * A column name pattern of a masking rule: {@code schema.table.column}, {@code table.column} (any
 * schema) or {@code column} (any table). Each part is an identifier that may contain {@code *}
 * wildcards ({@code *.card_number}, {@code public.cust*.ssn}). Matching ignores case; a quoted
 * identifier containing a dot cannot be written.
 */
public record ColumnPattern(String schema, String table, String column) {

    public static ColumnPattern parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("empty column pattern");
        }
        String[] parts = text.trim().split("\\.", -1);
        if (parts.length > 3) {
            throw new IllegalArgumentException("column pattern '" + text + "' has more than three parts (schema.table.column)");
        }
        for (int i = 0; i < parts.length; i++) {
            parts[i] = parts[i].trim().toLowerCase(Locale.ROOT);
            if (parts[i].isEmpty()) {
                throw new IllegalArgumentException("column pattern '" + text + "' has an empty part");
            }
        }
        return switch (parts.length) {
            case 1 -> new ColumnPattern("*", "*", parts[0]);
            case 2 -> new ColumnPattern("*", parts[0], parts[1]);
            default -> new ColumnPattern(parts[0], parts[1], parts[2]);
        };
    }

    /** A null (unknown) schema or table matches only a part that is exactly {@code *}. */
    public boolean matches(String schemaName, String tableName, String columnName) {
        return part(schema, schemaName) && part(table, tableName) && part(column, columnName);
    }

    private static boolean part(String pattern, String name) {
        if (pattern.equals("*")) {
            return true;
        }
        return name != null && glob(pattern, 0, name.toLowerCase(Locale.ROOT), 0);
    }

    private static boolean glob(String p, int pi, String s, int si) {
        while (pi < p.length()) {
            char c = p.charAt(pi);
            if (c == '*') {
                for (int k = si; k <= s.length(); k++) {
                    if (glob(p, pi + 1, s, k)) {
                        return true;
                    }
                }
                return false;
            }
            if (si >= s.length() || s.charAt(si) != c) {
                return false;
            }
            pi++;
            si++;
        }
        return si == s.length();
    }

    @Override
    public String toString() {
        return schema + "." + table + "." + column;
    }
}
