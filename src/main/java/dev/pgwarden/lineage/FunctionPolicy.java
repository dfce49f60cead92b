package dev.pgwarden.lineage;

import java.util.Collection;
import java.util.Objects;
import java.util.Set;

/**
 * Decides which functions named in a plan are <em>transparent</em>: their result derives only
 * from their arguments (so the arguments' lineage is the call's lineage). A call to any other
 * function makes the output opaque, because its body may read any table (a PL/pgSQL function,
 * {@code query_to_xml('select ssn from customers', ...)}, {@code dblink}, ...). The arguments'
 * lineage is still reported.
 *
 * <p>Names are as EXPLAIN prints them: unquoted, with {@code schema} null when the deparser did
 * not qualify the name (it qualifies only functions not visible through the search_path).
 * Aggregates, window functions and set-returning functions are functions too. SQL syntax the
 * deparser prints in upper case (COALESCE, GREATEST, LEAST, NULLIF, ROW, ARRAY, CASE, EXTRACT,
 * SUBSTRING(... FROM ...), ...) and operators are always treated as transparent.
 */
@FunctionalInterface
public interface FunctionPolicy {

    /** @param schema the qualifying schema as printed, or null if unqualified */
    boolean isTransparent(String schema, String name);

    /**
     * Built-in {@code pg_catalog} functions known to compute only from their arguments: string,
     * numeric, date/time, JSON, array and hashing functions, casts-as-functions, aggregates,
     * window and set-returning functions. Functions that run SQL, read files, large objects,
     * settings, statistics or catalogs are deliberately absent.
     */
    static FunctionPolicy builtins() {
        return BuiltinFunctions::isTransparent;
    }

    /** A policy accepting exactly the given names: {@code "name"} (unqualified) or {@code "schema.name"}. */
    static FunctionPolicy allowing(Collection<String> names) {
        Set<String> allowed = Set.copyOf(names);
        return (schema, name) -> allowed.contains(schema == null ? name : schema + "." + name);
    }

    /** Transparent if either policy says so. */
    default FunctionPolicy or(FunctionPolicy other) {
        Objects.requireNonNull(other, "other");
        return (schema, name) -> isTransparent(schema, name) || other.isTransparent(schema, name);
    }
}
