package dev.pgwarden.masking;

import java.util.List;
import java.util.Optional;

/**
 * Turns a RowDescription's fields into the per-column plan {@link DataRowRewriter} follows. A column
 * whose lineage (table OID, attribute number) resolves to a column a rule names gets that rule's
 * function; every other text or JSON column gets detection when the policy enables detectors,
 * including derived columns and table columns the catalog could not resolve. What on_derived BLOCK
 * means is decided before the statement runs, not here.
 */
public final class MaskPlanner {

    /** A table column by name, as the catalog knows it. */
    public record ColumnRef(String schema, String table, String column) {
    }

    /** Looks a column up by its lineage; typically a cache over pg_attribute / pg_class. */
    @FunctionalInterface
    public interface ColumnResolver {
        Optional<ColumnRef> resolve(int tableOid, int columnAttr);
    }

    private MaskPlanner() {
    }

    public static ColumnMask[] plan(List<Field> fields, ColumnResolver resolver, MaskingRules policy) {
        boolean detect = !policy.detectors().isEmpty();
        ColumnMask[] plan = new ColumnMask[fields.size()];
        for (int i = 0; i < plan.length; i++) {
            Field f = fields.get(i);
            Optional<MaskFunction> rule = Optional.empty();
            if (f.isTableColumn()) {
                rule = resolver.resolve(f.tableOid(), f.columnAttr())
                        .flatMap(c -> policy.forColumn(c.schema(), c.table(), c.column()));
            }
            if (rule.isPresent()) {
                plan[i] = ColumnMask.apply(rule.get(), f);
            } else if (detect && f.typeClass() != TypeClass.OTHER) {
                plan[i] = ColumnMask.detect(f);
            }
        }
        return plan;
    }

    /** Whether the plan leaves every column alone, so rows need not be looked at. */
    public static boolean passesEverything(ColumnMask[] plan) {
        for (ColumnMask m : plan) {
            if (m != null) {
                return false;
            }
        }
        return true;
    }
}
