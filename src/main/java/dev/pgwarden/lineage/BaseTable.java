package dev.pgwarden.lineage;

import java.util.Comparator;
import java.util.Objects;

/** A relation a plan scans (schema may be null only if EXPLAIN did not report it). */
public record BaseTable(String schema, String table) implements Comparable<BaseTable> {

    private static final Comparator<BaseTable> ORDER = Comparator
            .comparing(BaseTable::schema, Comparator.nullsFirst(Comparator.naturalOrder()))
            .thenComparing(BaseTable::table);

    public BaseTable {
        Objects.requireNonNull(table, "table");
    }

    public static BaseTable of(String schema, String table) {
        return new BaseTable(schema, table);
    }

    @Override
    public int compareTo(BaseTable o) {
        return ORDER.compare(this, o);
    }

    @Override
    public String toString() {
        return (schema == null ? "" : schema + ".") + table;
    }
}
