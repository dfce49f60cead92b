package dev.pgwarden.masking;

import java.util.List;

/**
 * Everything needed to mask one result: the policy, the catalog (for RowDescription lineage), the
 * value masker and the detectors. Shared by all sessions; immutable per policy version.
 */
public final class ResultMasker {
    private final MaskingRules policy;
    private final MaskPlanner.ColumnResolver catalog;
    private final DataRowRewriter rows;
    private final ValueMasker values;
    private final ContentDetectors detectors;
    private final DiagnosticTextMasker diagnostics;

    public ResultMasker(MaskingRules policy, MaskPlanner.ColumnResolver catalog, ValueMasker values) {
        this.policy = policy;
        this.catalog = catalog;
        this.values = values;
        this.detectors = new ContentDetectors(policy.detectors());
        this.rows = new DataRowRewriter(values, detectors);
        this.diagnostics = new DiagnosticTextMasker(detectors, !policy.rules().isEmpty());
    }

    public MaskingRules policy() {
        return policy;
    }

    /** Nothing to mask at all: sessions may skip result tracking. */
    public boolean inactive() {
        return policy.rules().isEmpty() && policy.detectors().isEmpty();
    }

    /** The per-column plan for a result with these fields: lineage first, then catalog, then detectors. */
    public ColumnMask[] plan(List<Field> fields, StatementMasks lineage) {
        ColumnMask[] plan = MaskPlanner.plan(fields, catalog, policy);
        for (int i = 0; i < plan.length; i++) {
            MaskFunction f = lineage.forColumn(i);
            if (f == null && lineage.maskComputed() && !fields.get(i).isTableColumn()) {
                f = MaskFunction.REDACT;
            }
            // A column the catalog names under a rule keeps that rule's function; lineage masks the rest whole.
            if (f != null && (plan[i] == null || plan[i].isDetect())) {
                plan[i] = ColumnMask.apply(f, fields.get(i));
            }
        }
        return MaskPlanner.passesEverything(plan) ? null : plan;
    }

    /**
     * A plan for rows whose description was never seen: lineage masks, detection on text columns. With
     * {@link StatementMasks#maskComputed()} every column is masked whole: without a description no column
     * is known to come straight from a table, and the formats may not be the ones PostgreSQL used.
     */
    public ColumnMask[] planWithoutDescription(int columns, int[] formats, StatementMasks lineage) {
        return planWithoutDescription(columns, formats, lineage, 0);
    }

    /** COPY text carries no types but every value is text: mask it as text rather than null it. */
    public ColumnMask[] planForCopy(int columns, StatementMasks lineage) {
        return planWithoutDescription(columns, null, lineage, TypeClass.TEXT_OID);
    }

    private ColumnMask[] planWithoutDescription(int columns, int[] formats, StatementMasks lineage, int typeOid) {
        boolean detect = !policy.detectors().isEmpty();
        ColumnMask[] plan = new ColumnMask[columns];
        for (int i = 0; i < columns; i++) {
            int format = formatOf(formats, i);
            MaskFunction f = lineage.forColumn(i);
            if (f == null && lineage.maskComputed()) {
                f = MaskFunction.REDACT;
            }
            if (f != null) {
                // Unknown type (0): a text value is masked to NULL rather than to text the driver
                // might fail to parse as the column's real type.
                plan[i] = ColumnMask.apply(f, typeOid, format);
            } else if (detect && format == 0) {
                plan[i] = ColumnMask.detect(TypeClass.TEXT_OID, 0);
            }
        }
        return MaskPlanner.passesEverything(plan) ? null : plan;
    }

    /** The format of result column {@code column} under Bind's format codes (none: text, one: all). */
    public static int formatOf(int[] formats, int column) {
        if (formats == null || formats.length == 0) {
            return 0;
        }
        return formats.length == 1 ? formats[0] : (column < formats.length ? formats[column] : 0);
    }

    public DataRowRewriter rows() {
        return rows;
    }

    public ValueMasker values() {
        return values;
    }

    public ContentDetectors detectors() {
        return detectors;
    }

    /** For the text of errors, notices and notifications. */
    public DiagnosticTextMasker diagnostics() {
        return diagnostics;
    }
}
