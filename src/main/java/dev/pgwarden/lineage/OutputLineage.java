package dev.pgwarden.lineage;

import java.util.Collections;
import java.util.Objects;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * What one output column of a plan derives from.
 *
 * <ul>
 *   <li>{@link #columns()}: base columns whose values flow into the output (through any
 *       expression, aggregate, cast, function argument, CASE branch or condition, ...).</li>
 *   <li>{@link #wholeRows()}: relations referenced as a whole row ({@code alias.*}, e.g. by
 *       {@code row_to_json(c)}, {@code to_jsonb(c)}, {@code json_agg(c)} or {@code SELECT c FROM
 *       customers c}): treat as "every column of that table".</li>
 *   <li>{@link #opaque()}: part of the expression could not be traced (see
 *       {@link #opaqueReasons()}); the columns and whole rows listed are then only a lower bound,
 *       and the output may derive from <em>any</em> data the executing role can read (a function
 *       with an unknown body can read any table, whatever its arguments). Fail closed.</li>
 *   <li>{@link #approximate()}: sound but possibly too wide: the analysis could not tell which
 *       column of a subquery/CTE an output came from and reported all of them.</li>
 * </ul>
 *
 * Immutable; equality is by value.
 */
public final class OutputLineage {

    static final OutputLineage EMPTY = new OutputLineage(Set.of(), Set.of(), Set.of(), false);

    private final SortedSet<BaseColumn> columns;
    private final SortedSet<BaseTable> wholeRows;
    private final SortedSet<String> opaqueReasons;
    private final boolean approximate;

    OutputLineage(Set<BaseColumn> columns, Set<BaseTable> wholeRows, Set<String> opaqueReasons, boolean approximate) {
        this.columns = Collections.unmodifiableSortedSet(new TreeSet<>(columns));
        this.wholeRows = Collections.unmodifiableSortedSet(new TreeSet<>(wholeRows));
        this.opaqueReasons = Collections.unmodifiableSortedSet(new TreeSet<>(opaqueReasons));
        this.approximate = approximate;
    }

    /** Base columns this output derives from (sorted). */
    public SortedSet<BaseColumn> columns() {
        return columns;
    }

    /** Relations referenced as a whole row: every column of each is involved (sorted). */
    public SortedSet<BaseTable> wholeRows() {
        return wholeRows;
    }

    /** True if some part of the output could not be traced: fail closed. */
    public boolean opaque() {
        return !opaqueReasons.isEmpty();
    }

    /** Why the output is opaque (names functions, aliases, parameters; never data values). */
    public SortedSet<String> opaqueReasons() {
        return opaqueReasons;
    }

    /** True if the lineage was widened (all columns of a subquery/CTE) because positions were unknown. */
    public boolean approximate() {
        return approximate;
    }

    /** No base column, no whole row and nothing opaque: e.g. a literal or {@code count(*)}. */
    public boolean isConstant() {
        return columns.isEmpty() && wholeRows.isEmpty() && opaqueReasons.isEmpty();
    }

    /** True if the output derives from the column, directly or through a whole-row reference. */
    public boolean derivesFrom(String schema, String table, String column) {
        return derivesFrom(new BaseColumn(schema, table, column));
    }

    public boolean derivesFrom(BaseColumn column) {
        return columns.contains(column) || wholeRows.contains(column.relation());
    }

    /** True if a whole-row reference to the relation is involved. */
    public boolean wholeRow(String schema, String table) {
        return wholeRows.contains(new BaseTable(schema, table));
    }

    /** True if any column or whole row of the relation is involved (opaqueness not considered). */
    public boolean touches(String schema, String table) {
        BaseTable t = new BaseTable(schema, table);
        if (wholeRows.contains(t)) {
            return true;
        }
        for (BaseColumn c : columns) {
            if (c.relation().equals(t)) {
                return true;
            }
        }
        return false;
    }

    /** Relations this output touches through columns or whole rows (sorted). */
    public SortedSet<BaseTable> relations() {
        SortedSet<BaseTable> out = new TreeSet<>(wholeRows);
        for (BaseColumn c : columns) {
            out.add(c.relation());
        }
        return Collections.unmodifiableSortedSet(out);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof OutputLineage other
                && approximate == other.approximate
                && columns.equals(other.columns)
                && wholeRows.equals(other.wholeRows)
                && opaqueReasons.equals(other.opaqueReasons);
    }

    @Override
    public int hashCode() {
        return Objects.hash(columns, wholeRows, opaqueReasons, approximate);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("{columns=").append(columns);
        if (!wholeRows.isEmpty()) {
            sb.append(", wholeRows=").append(wholeRows);
        }
        if (approximate) {
            sb.append(", approximate");
        }
        if (!opaqueReasons.isEmpty()) {
            sb.append(", opaque=").append(opaqueReasons);
        }
        return sb.append('}').toString();
    }
}
