package dev.pgwarden.gate;

import java.util.Collections;

/**
 * EXPLAIN of a statement that still has its {@code $n} parameters (from Parse, before Bind): it is
 * prepared and explained as a generic plan with NULL arguments, on the gateway's side connection.
 * The plan keeps the parameters as parameters (NULLs folded in could prune the very expressions a
 * caller asks about) and no client value is ever spliced into SQL text.
 */
final class GenericPlan {
    private GenericPlan() {
    }

    /**
     * @param name     the prepared statement's name on the side connection (every earlier one is dropped)
     * @param options  EXPLAIN's options, e.g. {@code VERBOSE, FORMAT JSON}
     * @param query    one statement, already checked to be exactly one
     * @param params   how many {@code $n} it has (at least one)
     */
    static String explain(String name, String options, String query, int params) {
        return "DEALLOCATE ALL; SET plan_cache_mode = force_generic_plan; PREPARE " + name + " AS " + query
                + "; EXPLAIN (" + options + ") EXECUTE " + name + "("
                + String.join(", ", Collections.nCopies(params, "NULL")) + ")";
    }

    /**
     * As {@link #explain}, with the client's {@code $n} renumbered {@code $(n + CLIENT_OFFSET)} (the
     * unused {@code $1..$CLIENT_OFFSET} declared {@code int4}). PostgreSQL 15 prints an InitPlan's
     * output as {@code $k} too, numbered from {@code $0}: shifted, the client's parameters cannot be
     * mistaken for one.
     */
    static String explainShifted(String name, String options, String query, int params) {
        return "DEALLOCATE ALL; SET plan_cache_mode = force_generic_plan; PREPARE " + name + "("
                + String.join(", ", Collections.nCopies(CLIENT_OFFSET, "int4")) + ") AS "
                + Placeholders.shift(query, CLIENT_OFFSET) + "; EXPLAIN (" + options + ") EXECUTE " + name + "("
                + String.join(", ", Collections.nCopies(CLIENT_OFFSET + params, "NULL")) + ")";
    }

    /** Where {@link #explainShifted} starts the client's parameters: beyond any InitPlan a real plan has. */
    static final int CLIENT_OFFSET = 100;
}
