package dev.pgwarden.sql;

/**
 * A table (or view) as a statement names it, schema-qualified. Unqualified names resolve to {@code public},
 * the schema a default search_path finds first for user tables.
 */
public record TableName(String schema, String name) {

    public static final String DEFAULT_SCHEMA = "public";

    public static TableName unqualified(String name) {
        return new TableName(DEFAULT_SCHEMA, name);
    }

    @Override
    public String toString() {
        return schema + "." + name;
    }
}
