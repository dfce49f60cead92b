package dev.pgwarden.wire;

import java.util.Map;

/** Names of PostgreSQL's common built-in types by OID, as results are shown to people and agents. */
public final class PgTypeNames {
    private static final Map<Integer, String> NAMES = Map.ofEntries(
            Map.entry(16, "bool"), Map.entry(17, "bytea"), Map.entry(18, "char"), Map.entry(19, "name"),
            Map.entry(20, "int8"), Map.entry(21, "int2"), Map.entry(23, "int4"), Map.entry(25, "text"),
            Map.entry(26, "oid"), Map.entry(114, "json"), Map.entry(142, "xml"), Map.entry(700, "float4"),
            Map.entry(701, "float8"), Map.entry(790, "money"), Map.entry(869, "inet"), Map.entry(650, "cidr"),
            Map.entry(1042, "bpchar"), Map.entry(1043, "varchar"), Map.entry(1082, "date"), Map.entry(1083, "time"),
            Map.entry(1114, "timestamp"), Map.entry(1184, "timestamptz"), Map.entry(1186, "interval"),
            Map.entry(1266, "timetz"), Map.entry(1700, "numeric"), Map.entry(2950, "uuid"), Map.entry(3802, "jsonb"),
            Map.entry(705, "unknown"), Map.entry(1000, "bool[]"), Map.entry(1009, "text[]"), Map.entry(1015, "varchar[]"),
            Map.entry(1005, "int2[]"), Map.entry(1007, "int4[]"), Map.entry(1016, "int8[]"), Map.entry(1022, "float8[]"),
            Map.entry(1231, "numeric[]"), Map.entry(2951, "uuid[]"), Map.entry(3807, "jsonb[]"));

    public static final int BOOL = 16;
    public static final int INT8 = 20;
    public static final int INT2 = 21;
    public static final int INT4 = 23;
    public static final int OID = 26;
    public static final int FLOAT4 = 700;
    public static final int FLOAT8 = 701;
    public static final int NUMERIC = 1700;

    private PgTypeNames() {
    }

    /** The type's name; {@code oid:<n>} for types outside the built-in set, {@code unknown} for 0. */
    public static String of(int oid) {
        String name = NAMES.get(oid);
        return name != null ? name : oid == 0 ? "unknown" : "oid:" + Integer.toUnsignedString(oid);
    }
}
