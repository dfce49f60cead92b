package dev.pgwarden.mcp;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import dev.pgwarden.loopback.StatementOutcome;
import dev.pgwarden.masking.MaskFunction;
import dev.pgwarden.policy.DerivedValues;
import dev.pgwarden.policy.MaskingSection;
import io.quarkiverse.mcp.server.ToolResponse;

/**
 * The catalog questions behind {@code list_tables} and {@code describe_table}. They run like any
 * other statement of the session (policy, audit), under its role, and show only what that role may
 * read; the masking marks come from the active policy.
 */
final class CatalogQueries {
    static final String LIST_TABLES = """
            SELECT n.nspname, c.relname,
                   CASE c.relkind WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view'
                                  WHEN 'f' THEN 'foreign table' ELSE 'table' END
            FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f')
              AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%'
              AND ($1::text IS NULL OR n.nspname = $1::text)
              AND pg_catalog.has_any_column_privilege(c.oid, 'SELECT')
            ORDER BY 1, 2""";

    static final String DESCRIBE_TABLE = """
            SELECT a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod), NOT a.attnotnull,
                   pg_catalog.pg_get_expr(d.adbin, d.adrelid)
            FROM pg_catalog.pg_attribute a
              JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
              JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
              LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
            WHERE n.nspname = $1::text AND c.relname = $2::text AND a.attnum > 0 AND NOT a.attisdropped
              AND pg_catalog.has_column_privilege(c.oid, a.attnum, 'SELECT')
            ORDER BY a.attnum""";

    /** A table name as a model writes it: {@code name}, {@code schema.name}, either part double-quoted. */
    record TableName(String schema, String table) {
        /** @throws IllegalArgumentException for anything else */
        static TableName parse(String text) {
            List<String> parts = new ArrayList<>();
            String s = text.trim();
            int i = 0;
            while (i <= s.length()) {
                if (i < s.length() && s.charAt(i) == '"') {
                    StringBuilder part = new StringBuilder();
                    int j = i + 1;
                    while (true) {
                        if (j >= s.length()) {
                            throw new IllegalArgumentException("unterminated quoted name in " + text);
                        }
                        if (s.charAt(j) == '"') {
                            if (j + 1 < s.length() && s.charAt(j + 1) == '"') {
                                part.append('"');
                                j += 2;
                                continue;
                            }
                            break;
                        }
                        part.append(s.charAt(j++));
                    }
                    parts.add(part.toString());
                    i = j + 1;
                } else {
                    int dot = s.indexOf('.', i);
                    int end = dot < 0 ? s.length() : dot;
                    String bare = s.substring(i, end).trim();
                    if (bare.isEmpty() || bare.contains("\"")) {
                        throw new IllegalArgumentException("not a table name: " + text);
                    }
                    parts.add(bare.toLowerCase(Locale.ROOT)); // unquoted names fold to lower case, as in SQL
                    i = end;
                }
                if (i >= s.length()) {
                    break;
                }
                if (s.charAt(i) != '.') {
                    throw new IllegalArgumentException("not a table name: " + text);
                }
                i++;
            }
            if (parts.isEmpty() || parts.size() > 2) {
                throw new IllegalArgumentException("expected table or schema.table, not " + text);
            }
            return parts.size() == 1 ? new TableName("public", parts.get(0)) : new TableName(parts.get(0), parts.get(1));
        }

        @Override
        public String toString() {
            return schema + "." + table;
        }
    }

    private CatalogQueries() {
    }

    static ToolResponse tables(StatementOutcome o, ToolReplies replies) {
        return ToolReplies.success(ToolReplies.json(g -> {
            g.writeStartObject();
            g.writeArrayFieldStart("tables");
            for (List<String> row : o.rows()) {
                g.writeStartObject();
                g.writeStringField("schema", row.get(0));
                g.writeStringField("name", row.get(1));
                g.writeStringField("type", row.get(2));
                g.writeEndObject();
            }
            g.writeEndArray();
            replies.writeTruncation(g, o.truncated());
            g.writeEndObject();
        }));
    }

    /** Columns with their masking for this identity, or null when the role can read none of them. */
    static ToolResponse columns(TableName name, StatementOutcome o, MaskingSection masking, ToolReplies replies) {
        if (o.rows().isEmpty()) {
            return null;
        }
        return ToolReplies.success(ToolReplies.json(g -> {
            g.writeStartObject();
            g.writeStringField("schema", name.schema());
            g.writeStringField("table", name.table());
            g.writeArrayFieldStart("columns");
            for (List<String> row : o.rows()) {
                g.writeStartObject();
                g.writeStringField("name", row.get(0));
                g.writeStringField("type", row.get(1));
                g.writeBooleanField("nullable", "t".equals(row.get(2)));
                if (row.get(3) != null) {
                    g.writeStringField("default", row.get(3));
                }
                var mask = masking.functionFor(name.schema(), name.table(), row.get(0));
                g.writeBooleanField("masked", mask.isPresent());
                if (mask.isPresent()) {
                    g.writeStringField("mask", mask.get().name().toLowerCase(Locale.ROOT));
                    g.writeStringField("mask_effect", effect(mask.get()));
                }
                g.writeEndObject();
            }
            g.writeEndArray();
            replies.writeTruncation(g, o.truncated());
            if (!masking.detectors().isEmpty()) {
                g.writeArrayFieldStart("content_detectors");
                for (var d : masking.detectors().stream().map(d -> d.name().toLowerCase(Locale.ROOT)).sorted().toList()) {
                    g.writeString(d);
                }
                g.writeEndArray();
                g.writeStringField("content_detectors_effect", "values that look like these (in any column) are"
                        + " masked in results too");
            }
            g.writeStringField("derived_values", "values computed from masked columns are "
                    + (masking.onDerived() == DerivedValues.BLOCK ? "refused" : "masked whole"));
            g.writeEndObject();
        }));
    }

    private static String effect(MaskFunction f) {
        return switch (f) {
            case REDACT -> "replaced by ****";
            case LAST4 -> "all but the last four characters hidden";
            case HASH -> "replaced by a keyed hash (equal values stay equal, so it can be joined or grouped on)";
            case NULL -> "returned as NULL";
            case EMAIL -> "local part hidden, domain kept";
        };
    }
}
