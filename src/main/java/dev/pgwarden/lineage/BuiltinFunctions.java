package dev.pgwarden.lineage;

import java.util.Arrays;
import java.util.Set;

/** The allow-list behind {@link FunctionPolicy#builtins()}. */
final class BuiltinFunctions {

    private static final Set<String> NAMES = Set.copyOf(Arrays.asList(// aggregates
                "count", "sum", "avg", "min", "max", "array_agg", "string_agg", "json_agg", "jsonb_agg",
                "json_agg_strict", "jsonb_agg_strict", "json_object_agg", "jsonb_object_agg",
                "json_object_agg_strict", "jsonb_object_agg_strict", "json_object_agg_unique",
                "jsonb_object_agg_unique", "json_object_agg_unique_strict", "jsonb_object_agg_unique_strict",
                "bool_and", "bool_or", "every", "bit_and", "bit_or", "bit_xor", "stddev", "stddev_pop",
                "stddev_samp", "variance", "var_pop", "var_samp", "corr", "covar_pop", "covar_samp",
                "regr_avgx", "regr_avgy", "regr_count", "regr_intercept", "regr_r2", "regr_slope", "regr_sxx",
                "regr_sxy", "regr_syy", "percentile_cont", "percentile_disc", "mode", "xmlagg", "range_agg",
                "range_intersect_agg", "any_value", "grouping",
                // window
                "row_number", "rank", "dense_rank", "percent_rank", "cume_dist", "ntile", "lag", "lead",
                "first_value", "last_value", "nth_value",
                // strings
                "ascii", "bit_length", "btrim", "char_length", "character_length", "chr", "concat", "concat_ws",
                "convert", "convert_from", "convert_to", "decode", "encode", "format", "initcap", "left", "length",
                "lower", "lpad", "ltrim", "md5", "normalize", "octet_length", "overlay", "position",
                "quote_ident", "quote_literal", "quote_nullable", "regexp_count", "regexp_instr", "regexp_like",
                "regexp_match", "regexp_matches", "regexp_replace", "regexp_split_to_array",
                "regexp_split_to_table", "regexp_substr", "repeat", "replace", "reverse", "right", "rpad", "rtrim",
                "split_part", "starts_with", "string_to_array", "string_to_table", "strpos", "substr",
                "substring", "to_ascii", "to_hex", "translate", "trim", "unistr", "upper", "sha224", "sha256",
                "sha384", "sha512", "crc32", "crc32c", "textcat", "textlen", "bpchar", "varchar", "text", "name",
                "casefold", "similar_to_escape", "like_escape", "get_byte", "set_byte", "get_bit", "set_bit",
                "bit_count", "ltrim", "to_char", "to_number", "to_date", "to_timestamp", "to_bin", "to_oct",
                "uuid_extract_timestamp", "uuid_extract_version",
                // numbers
                "abs", "cbrt", "ceil", "ceiling", "degrees", "div", "exp", "factorial", "floor", "gcd", "lcm", "ln",
                "log", "log10", "min_scale", "mod", "pi", "power", "pow", "radians", "round", "scale", "sign",
                "sqrt", "trim_scale", "trunc", "width_bucket", "sin", "cos", "tan", "asin", "acos", "atan",
                "atan2", "sind", "cosd", "tand", "asind", "acosd", "atand", "atan2d", "sinh", "cosh", "tanh",
                "asinh", "acosh", "atanh", "random", "random_normal", "int2", "int4", "int8", "float4", "float8",
                "numeric", "bool", "erf", "erfc", "gamma", "lgamma",
                // date/time
                "age", "clock_timestamp", "date_add", "date_bin", "date_part", "date_subtract", "date_trunc",
                "extract", "isfinite", "justify_days", "justify_hours", "justify_interval", "make_date",
                "make_interval", "make_time", "make_timestamp", "make_timestamptz", "now", "statement_timestamp",
                "timeofday", "transaction_timestamp", "timezone", "date", "timestamp", "timestamptz", "interval",
                "time", "timetz", "overlaps",
                // JSON
                "array_to_json", "json_array_elements", "json_array_elements_text", "json_array_length",
                "json_build_array", "json_build_object", "json_each", "json_each_text", "json_extract_path",
                "json_extract_path_text", "json_object", "json_object_keys", "json_populate_record",
                "json_populate_recordset", "json_strip_nulls", "json_to_record", "json_to_recordset",
                "json_typeof", "jsonb_array_elements", "jsonb_array_elements_text", "jsonb_array_length",
                "jsonb_build_array", "jsonb_build_object", "jsonb_each", "jsonb_each_text", "jsonb_extract_path",
                "jsonb_extract_path_text", "jsonb_object", "jsonb_object_keys", "jsonb_populate_record",
                "jsonb_populate_recordset", "jsonb_populate_record_valid", "jsonb_strip_nulls", "jsonb_to_record",
                "jsonb_to_recordset", "jsonb_typeof", "jsonb_insert", "jsonb_path_exists", "jsonb_path_match",
                "jsonb_path_query", "jsonb_path_query_array", "jsonb_path_query_first", "jsonb_path_exists_tz",
                "jsonb_path_match_tz", "jsonb_path_query_tz", "jsonb_path_query_array_tz",
                "jsonb_path_query_first_tz", "jsonb_pretty", "jsonb_set", "jsonb_set_lax", "jsonb_concat",
                "jsonb_delete", "jsonb_delete_path", "row_to_json", "to_json", "to_jsonb", "json_scalar",
                "json_serialize",
                // arrays
                "array_append", "array_cat", "array_dims", "array_fill", "array_length", "array_lower",
                "array_ndims", "array_position", "array_positions", "array_prepend", "array_remove",
                "array_replace", "array_reverse", "array_sort", "array_to_string", "array_upper", "cardinality",
                "trim_array", "unnest", "array_sample", "array_shuffle", "generate_subscripts",
                // sets, misc
                "generate_series", "num_nonnulls", "num_nulls", "gen_random_uuid", "uuidv4", "uuidv7",
                "pg_typeof", "pg_column_size", "hashtext", "hash_array", "hashint4", "hashint8",
                "int4range", "int8range", "numrange", "tsrange", "tstzrange", "daterange", "isempty",
                "lower_inc", "upper_inc", "lower_inf", "upper_inf", "range_merge", "multirange",
                // xml built from arguments only
                "xmlcomment", "xmltext", "xpath", "xpath_exists", "xml_is_well_formed", "xml_is_well_formed_document",
                "xml_is_well_formed_content", "xmlconcat",
                // text search on given text (ts_stat, which runs a query, is absent)
                "to_tsvector", "to_tsquery", "plainto_tsquery", "phraseto_tsquery", "websearch_to_tsquery",
                "ts_headline", "ts_rank", "ts_rank_cd", "setweight", "strip", "tsvector_to_array",
                "array_to_tsvector", "ts_delete", "ts_filter", "querytree", "numnode"));

    private BuiltinFunctions() {
    }

    static boolean isTransparent(String schema, String name) {
        return (schema == null || schema.equals("pg_catalog")) && NAMES.contains(name);
    }
}
