package dev.pgwarden.lineage;

import java.util.Comparator;
import java.util.Objects;

/**
 * A column of a relation that a plan scans, named as EXPLAIN names it: the scanned relation's
 * schema and name (for a partitioned or inheritance table that is the <em>partition/child</em>,
 * not the parent) and the attribute name, unquoted.
 */
public record BaseColumn(String schema, String table, String column) implements Comparable<BaseColumn> {

    private static final Comparator<BaseColumn> ORDER = Comparator
            .comparing(BaseColumn::schema, Comparator.nullsFirst(Comparator.naturalOrder()))
            .thenComparing(BaseColumn::table)
            .thenComparing(BaseColumn::column);

    public BaseColumn {
        Objects.requireNonNull(table, "table");
        Objects.requireNonNull(column, "column");
    }

    public static BaseColumn of(String schema, String table, String column) {
        return new BaseColumn(schema, table, column);
    }

    public BaseTable relation() {
        return new BaseTable(schema, table);
    }

    @Override
    public int compareTo(BaseColumn o) {
        return ORDER.compare(this, o);
    }

    @Override
    public String toString() {
        return (schema == null ? "" : schema + ".") + table + "." + column;
    }
}
