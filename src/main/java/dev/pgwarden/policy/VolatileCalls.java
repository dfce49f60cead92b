package dev.pgwarden.policy;

import dev.pgwarden.policy.VolatilityCatalog.Effect;
import dev.pgwarden.sql.FunctionName;
import dev.pgwarden.sql.TableName;
import dev.pgwarden.sql.Truth;

/**
 * Decides {@code volatile_functions} for one statement: does it call something that may change the database,
 * directly (a function), through an operator, or through a relation it reads (a view calling nextval(), a table
 * whose row-level security policy calls a volatile function)? The first such call found is the answer. A function
 * the snapshot does not list is unknown (read restrictively: it counts for block rules); so is a relation or
 * operator, until a freshly read snapshot still does not list it, when PostgreSQL will refuse the statement itself.
 */
final class VolatileCalls {
    // "=>" is named-argument notation, never an operator
    private static final String NAMED_ARGUMENT = "=>";

    private VolatileCalls() {
    }

    /** @param fresh the snapshot was read for this statement, so what it does not list does not exist */
    static Effect find(StatementAnalysis a, VolatilityCatalog catalog, boolean fresh) {
        Effect unknown = null;
        for (FunctionName f : a.functions()) {
            Effect e = catalog.function(f);
            if (e.changes() == Truth.YES) {
                return e;
            }
            if (e.changes() == Truth.UNKNOWN && unknown == null) {
                unknown = e;
            }
        }
        for (String op : a.operators()) {
            if (op.equals(NAMED_ARGUMENT)) {
                continue;
            }
            Effect e = catalog.operator(op);
            if (e.changes() == Truth.YES) {
                return e;
            }
            if (e.changes() == Truth.UNKNOWN && unknown == null && !(fresh && catalog.loaded())) {
                unknown = e;
            }
        }
        for (TableName t : a.tables()) {
            Effect e = catalog.relation(t);
            if (e.changes() == Truth.YES) {
                return e;
            }
            if (e.changes() == Truth.UNKNOWN && unknown == null && !(fresh && catalog.loaded())) {
                unknown = e;
            }
        }
        return unknown != null ? unknown : Effect.NONE;
    }
}
