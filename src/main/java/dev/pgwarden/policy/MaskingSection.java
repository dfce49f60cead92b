package dev.pgwarden.policy;

import dev.pgwarden.masking.Detector;
import dev.pgwarden.masking.MaskFunction;
import dev.pgwarden.sql.ColumnRef;
import dev.pgwarden.sql.TableName;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** The policy's {@code masking:} section. */
public record MaskingSection(List<MaskedColumn> columns, Set<Detector> detectors, DerivedValues onDerived,
        MaskedPredicates predicates) {

    public static final MaskingSection NONE =
            new MaskingSection(List.of(), Set.of(), DerivedValues.MASK, MaskedPredicates.LOOKUP);

    /** With the default {@code predicates: lookup}. */
    public MaskingSection(List<MaskedColumn> columns, Set<Detector> detectors, DerivedValues onDerived) {
        this(columns, detectors, onDerived, MaskedPredicates.LOOKUP);
    }

    /** The function for a result column whose lineage is {@code schema.table.column}; first match wins. */
    public Optional<MaskFunction> functionFor(String schema, String table, String column) {
        ColumnRef ref = new ColumnRef(new TableName(schema, table), column);
        for (int i = 0; i < columns.size(); i++) {
            if (columns.get(i).column().matchesColumn(ref)) {
                return Optional.of(columns.get(i).with());
            }
        }
        return Optional.empty();
    }

    /** Whether any masked column may be among those {@code ref} stands for. */
    public boolean covers(ColumnRef ref) {
        for (int i = 0; i < columns.size(); i++) {
            if (columns.get(i).column().matchesColumn(ref)) {
                return true;
            }
        }
        return false;
    }
}
