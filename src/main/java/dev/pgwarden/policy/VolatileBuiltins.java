package dev.pgwarden.policy;

import java.util.Map;
import java.util.Set;

import dev.pgwarden.sql.FunctionName;

/**
 * Where PostgreSQL's volatility marking of its own functions is not the answer a read-only rule needs.
 *
 * <p><b>Harmless</b>: volatile built-ins that change nothing that outlives the statement and read nothing the
 * session could not read anyway, so {@code volatile_functions} lets them through:
 * <ul>
 * <li>{@code random()}, {@code random_normal()}: the next value of the session's own generator;</li>
 * <li>{@code clock_timestamp()}, {@code timeofday()}: read the clock;</li>
 * <li>{@code gen_random_uuid()}: random bytes, no state;</li>
 * <li>{@code pg_relation_size()}, {@code pg_table_size()}, {@code pg_indexes_size()},
 * {@code pg_total_relation_size()}, {@code pg_database_size()}, {@code pg_tablespace_size()}: read file sizes
 * (psql's {@code \dt+}, {@code \l+} use them).</li>
 * </ul>
 * Deliberately not harmless: {@code setseed()} (it changes what every later {@code random()} of the session
 * returns; {@code TABLESAMPLE ... REPEATABLE (seed)} samples reproducibly without it), and {@code pg_sleep()},
 * {@code pg_sleep_for()}, {@code pg_sleep_until()} (a timing channel that answers questions about values the
 * session may only see masked, and a long sleep holds a snapshot that keeps VACUUM from cleaning up).
 *
 * <p><b>Side effects the catalog does not show</b>: {@code txid_current()} and {@code pg_current_xact_id()} are
 * marked stable, yet assign the transaction a permanent transaction id (a write, and a step towards
 * wraparound); they count as volatile.
 *
 * <p><b>Grammar, not functions</b>: constructs JSqlParser reports as calls although no catalog function
 * implements them ({@code coalesce}, {@code greatest}, {@code row}, {@code xmlelement}...); they count as harmless
 * when unqualified.
 */
final class VolatileBuiltins {
    static final String CATALOG_SCHEMA = "pg_catalog";

    private static final Set<String> HARMLESS = Set.of(
            "random", "random_normal", "clock_timestamp", "timeofday", "gen_random_uuid",
            "pg_relation_size", "pg_table_size", "pg_indexes_size", "pg_total_relation_size",
            "pg_database_size", "pg_tablespace_size");

    private static final Map<String, String> SIDE_EFFECTS = Map.of(
            "txid_current", "txid_current() assigns a transaction id",
            "pg_current_xact_id", "pg_current_xact_id() assigns a transaction id");

    private static final Set<String> GRAMMAR = Set.of(
            "coalesce", "nullif", "greatest", "least", "any", "all", "some", "row", "array", "grouping", "exists",
            "cast", "treat", "xmlelement", "xmlforest", "xmlconcat", "xmlparse", "xmlpi", "xmlroot", "xmlserialize",
            "json_objectagg", "json_arrayagg", "json_scalar", "json_serialize", "json_exists", "json_query",
            "json_value", "json_table", "merge_action");

    private VolatileBuiltins() {
    }

    /** A volatile built-in that changes nothing: not a side effect. */
    static boolean harmless(String schema, String name) {
        return CATALOG_SCHEMA.equals(schema) && HARMLESS.contains(name);
    }

    /** Why this built-in has a side effect the catalog's marking hides, or null. */
    static String hiddenSideEffect(String schema, String name) {
        return CATALOG_SCHEMA.equals(schema) ? SIDE_EFFECTS.get(name) : null;
    }

    /** SQL syntax that reads like a call of an unqualified function but runs none from the catalog. */
    static boolean grammar(FunctionName f) {
        return f.schema() == null && GRAMMAR.contains(f.name());
    }
}
