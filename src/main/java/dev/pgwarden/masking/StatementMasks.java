package dev.pgwarden.masking;

import java.util.Arrays;

/**
 * What the analysis of a statement found out about its result before it runs: for each output
 * column, the masking function its lineage calls for (null when it derives from nothing sensitive).
 * {@link #UNKNOWN} means no lineage: the result is then planned from the RowDescription alone
 * (table OID / attribute number) plus the content detectors.
 */
public final class StatementMasks {
    public static final StatementMasks UNKNOWN = new StatementMasks(null, false);
    /**
     * The statement computes values from masked columns but which outputs is not known: every
     * computed column (no table lineage in the RowDescription) is masked whole.
     */
    public static final StatementMasks MASK_COMPUTED = new StatementMasks(null, true);

    private final MaskFunction[] byColumn;
    private final boolean maskComputed;

    private StatementMasks(MaskFunction[] byColumn, boolean maskComputed) {
        this.byColumn = byColumn;
        this.maskComputed = maskComputed;
    }

    public static StatementMasks of(MaskFunction... byColumn) {
        return new StatementMasks(byColumn.clone(), false);
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
        return byColumn == null ? (maskComputed ? "StatementMasks[mask computed]" : "StatementMasks[unknown]")
                : "StatementMasks" + Arrays.toString(byColumn);
    }
}
