package dev.pgwarden.lineage;

import java.util.Collections;
import java.util.List;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * Column lineage of one planned statement: for each output column of the plan's top node, the
 * base columns it derives from (see {@link OutputLineage}), plus the relations the plan scans.
 *
 * <p>Indexes follow the top plan node's output list, which is the statement's result columns in
 * order, possibly followed by planner-internal ("resjunk") columns such as ORDER BY keys that are
 * not selected or row-locking {@code ctid}s. Index by RowDescription position and ignore the tail:
 * {@link #size()} may exceed the number of result columns. A statement without result columns
 * (DML without RETURNING) has size 0.
 *
 * <p>Immutable and thread-safe; cacheable per statement text and role/search_path.
 */
public final class Lineage {

    private final List<OutputLineage> outputs;
    private final SortedSet<BaseTable> scannedRelations;

    Lineage(List<OutputLineage> outputs, SortedSet<BaseTable> scannedRelations) {
        this.outputs = List.copyOf(outputs);
        this.scannedRelations = Collections.unmodifiableSortedSet(new TreeSet<>(scannedRelations));
    }

    public int size() {
        return outputs.size();
    }

    /** @throws IndexOutOfBoundsException if {@code index >= size()} */
    public OutputLineage output(int index) {
        return outputs.get(index);
    }

    public List<OutputLineage> outputs() {
        return outputs;
    }

    /** Base columns of output {@code index}. */
    public SortedSet<BaseColumn> columns(int index) {
        return output(index).columns();
    }

    /** True if output {@code index} involves a whole-row reference to the relation. */
    public boolean wholeRow(int index, String schema, String table) {
        return output(index).wholeRow(schema, table);
    }

    /** True if output {@code index} could not be fully traced: fail closed. */
    public boolean opaque(int index) {
        return output(index).opaque();
    }

    /** True if any output (including resjunk tail columns) is opaque. */
    public boolean anyOpaque() {
        return outputs.stream().anyMatch(OutputLineage::opaque);
    }

    /**
     * Every relation the plan reads anywhere (outputs, filters, joins, subplans, CTEs). Filters
     * and join conditions are not part of any output's lineage; this set is the place to see them.
     */
    public SortedSet<BaseTable> scannedRelations() {
        return scannedRelations;
    }

    @Override
    public String toString() {
        return "Lineage" + outputs + " scans " + scannedRelations;
    }
}
