package dev.pgwarden.masking;

import java.util.Arrays;

/**
 * What the analysis of a statement found out about its result before it runs: for each output
 * column, the masking function its lineage calls for (null when it derives from nothing sensitive).
 * {@link #UNKNOWN} means no lineage: the result is then planned from the RowDescription alone
 * (table OID / attribute number) plus the content detectors.
 *
 * <p>Also how many equality lookups on masked columns the statement makes ({@link #equalityLookups()}),
 * from the same planner reading, for per-identity budgets.
 */
public final class StatementMasks {
    public static final StatementMasks UNKNOWN = new StatementMasks(null, false, 0);
    /**
     * The statement computes values from masked columns but which outputs is not known: every
     * computed column (no table lineage in the RowDescription) is masked whole.
     */
    public static final StatementMasks MASK_COMPUTED = new StatementMasks(null, true, 0);

    private final MaskFunction[] byColumn;
    private final boolean maskComputed;
    private final int equalityLookups;

    private StatementMasks(MaskFunction[] byColumn, boolean maskComputed, int equalityLookups) {
        this.byColumn = byColumn;
        this.maskComputed = maskComputed;
        this.equalityLookups = equalityLookups;
    }

    public static StatementMasks of(MaskFunction... byColumn) {
        return new StatementMasks(byColumn.clone(), false, 0);
    }

    /** The same masks, for a statement that makes {@code n} equality lookups on masked columns. */
    public StatementMasks withEqualityLookups(int n) {
        return n == equalityLookups ? this : new StatementMasks(byColumn, maskComputed, n);
    }

    /**
     * Equality lookups on masked columns the planner saw in the statement (each value of an IN list
     * counts; {@code WHERE ssn = $1} counts once per execution of the statement). 0 when the planner
     * was not asked: the statement touches no masked column, or {@code masking.predicates} is
     * {@code allow} and the statement returns no rows.
     */
    public int equalityLookups() {
        return equalityLookups;
    }

    public boolean maskComputed() {
        return maskComputed;
    }

    public boolean known() {
        return byColumn != null;
    }

    /** The function lineage asks for at output {@code index}, or null. */
    public MaskFunction forColumn(int index) {
        return byColumn != null && index < byColumn.length ? byColumn[index] : null;
    }

    @Override
    public String toString() {
        String lookups = equalityLookups == 0 ? "" : " lookups=" + equalityLookups;
        return (byColumn == null ? (maskComputed ? "StatementMasks[mask computed]" : "StatementMasks[unknown]")
                : "StatementMasks" + Arrays.toString(byColumn)) + lookups;
    }
}
