package dev.pgwarden.lineage;

import java.util.Set;

/** Which base columns the policy masks, as {@link ValueUseAnalyzer} needs to know (answered from the catalog). */
public interface MaskedColumns {

    /** Whether a rule masks the column (a partition's column by its partitioned table's rule too). */
    boolean masked(BaseColumn column);

    /** The masked columns of a relation: what a whole-row reference to it, or a scan of it, carries. */
    Set<BaseColumn> maskedOf(BaseTable table);

    /**
     * The columns an index reads (key columns, expression and predicate columns), named as columns of
     * its table, or null when the index is not known.
     */
    Set<BaseColumn> indexColumns(String schema, String index);
}
