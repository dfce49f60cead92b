package dev.pgwarden.sql;

/**
 * A column a statement reads or writes. {@code table} is null when no table could be determined;
 * {@code column} is null for "all columns of the table" ({@code *}, {@code t.*} or a whole-row reference).
 */
public record ColumnRef(TableName table, String column) {

    public static ColumnRef allOf(TableName table) {
        return new ColumnRef(table, null);
    }

    public boolean allColumns() {
        return column == null;
    }

    @Override
    public String toString() {
        return (table == null ? "?" : table.toString()) + "." + (column == null ? "*" : column);
    }
}
