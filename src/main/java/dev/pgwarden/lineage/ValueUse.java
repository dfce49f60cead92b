package dev.pgwarden.lineage;

import java.util.Objects;

/**
 * One thing a planned statement does with the value of a masked column besides returning it.
 *
 * @param kind   what sort of use
 * @param column the masked column, as the plan names it (a partition is named as itself)
 * @param action what the statement does, as a phrase: {@code compares masked column public.customers.ssn with LIKE}
 * @param value  for a {@link Kind#LOOKUP}, the looked-up value as the plan prints it ({@code '123'::text},
 *               {@code $1}); else null. It names where the client's value is, never the column's data.
 */
public record ValueUse(Kind kind, BaseColumn column, String action, String value) {

    public enum Kind {
        /** An equality test against a value the client supplied: {@code col = 'x'}, {@code col = $1}, an IN element. */
        LOOKUP,
        /** {@code col IS [NOT] NULL}. */
        NULL_TEST,
        /** The column compared for equality with itself (a self-join): says only which rows share a value. */
        SAME_COLUMN,
        /** Anything else: range, pattern, ordering, grouping, a computation that can fail, a write... */
        OTHER
    }

    public ValueUse {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(column, "column");
        Objects.requireNonNull(action, "action");
    }

    /**
     * @param template the action with {@code %s} where the column goes; that is its first {@code %s}
     *                 (names from the plan, which may hold anything, come after it and stay as they are)
     */
    static ValueUse other(BaseColumn column, String template) {
        int at = template.indexOf("%s");
        String action = at < 0 ? template : template.substring(0, at) + column + template.substring(at + 2);
        return new ValueUse(Kind.OTHER, column, action, null);
    }
}
