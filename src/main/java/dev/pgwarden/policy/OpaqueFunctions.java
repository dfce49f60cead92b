package dev.pgwarden.policy;

import java.util.Locale;
import java.util.Set;

import dev.pgwarden.sql.FunctionName;

/**
 * Functions that run SQL (or read a table) named in a string argument: what they touch is invisible to the
 * parser and to EXPLAIN, so a statement calling them cannot be analysed and is refused. dblink can also
 * connect elsewhere under other credentials, around the gateway entirely.
 */
final class OpaqueFunctions {
    private static final Set<String> NAMES = Set.of(
            "query_to_xml", "query_to_xmlschema", "query_to_xml_and_xmlschema",
            "cursor_to_xml", "cursor_to_xmlschema",
            "table_to_xml", "table_to_xmlschema", "table_to_xml_and_xmlschema",
            "schema_to_xml", "schema_to_xmlschema", "schema_to_xml_and_xmlschema",
            "database_to_xml", "database_to_xmlschema", "database_to_xml_and_xmlschema",
            "ts_stat", "ts_rewrite", "connectby"); // ts_rewrite(tsquery, text) runs its text
    private static final String[] PREFIXES = {"dblink", "crosstab"};

    private OpaqueFunctions() {
    }

    /** The first function that runs SQL text, or null. */
    static FunctionName find(Iterable<FunctionName> functions) {
        for (FunctionName f : functions) {
            String name = f.name().toLowerCase(Locale.ROOT);
            if (NAMES.contains(name)) {
                return f;
            }
            for (String prefix : PREFIXES) {
                if (name.startsWith(prefix)) {
                    return f;
                }
            }
        }
        return null;
    }
}
