package dev.pgwarden.masking;

/**
 * How a column's bytes can be masked without breaking the client's decoder, from its type OID and
 * format code (0 text, 1 binary).
 *
 * <ul>
 * <li>{@link #TEXT}: text, varchar, bpchar, name and unknown in either format (binary is raw UTF-8
 * too), and, in text format only, any user-defined type (OID &ge; 16384: citext, enums, domains over
 * extension types). Their binary form is unknown to us, so binary user-defined types are OTHER.</li>
 * <li>{@link #JSON}: json in either format (its binary form is its text) and jsonb in text format.</li>
 * <li>{@link #JSONB_BINARY}: jsonb in binary format: a version byte (1) followed by the JSON text.</li>
 * <li>{@link #STRUCTURED_TEXT}: in text format, arrays of text-like and JSON types, records and
 * {@code anyarray} (the statistics' sample values): the detectors read their text ({@code {137-54-7920}}),
 * but a masked value must be NULL, since masked text would not parse as an array or record.</li>
 * <li>{@link #OTHER}: everything else (integers, numeric, dates, timestamps, bytea, uuid, arrays,
 * "char"...). The only masked value that is valid for all of them is SQL NULL.</li>
 * </ul>
 */
public enum TypeClass {
    TEXT, JSON, JSONB_BINARY, STRUCTURED_TEXT, OTHER;

    public static final int NAME = 19;
    public static final int TEXT_OID = 25;
    public static final int JSON_OID = 114;
    public static final int UNKNOWN = 705;
    public static final int BPCHAR = 1042;
    public static final int VARCHAR = 1043;
    public static final int JSONB_OID = 3802;
    /** text[], varchar[], bpchar[], name[], json[], jsonb[], record, record[], anyarray. */
    private static final int[] STRUCTURED = { 1009, 1015, 1014, 1003, 199, 3807, 2249, 2287, 2277 };
    /** PostgreSQL's FirstNormalObjectId: OIDs below it belong to built-in types. */
    public static final int FIRST_USER_OID = 16384;

    public static TypeClass of(int typeOid, int formatCode) {
        if (formatCode != 0 && formatCode != 1) {
            return OTHER;
        }
        switch (typeOid) {
            case NAME, TEXT_OID, UNKNOWN, BPCHAR, VARCHAR:
                return TEXT;
            case JSON_OID:
                return JSON;
            case JSONB_OID:
                return formatCode == 1 ? JSONB_BINARY : JSON;
            default:
                if (formatCode == 0 && structured(typeOid)) {
                    return STRUCTURED_TEXT;
                }
                // OIDs are unsigned 32-bit numbers.
                boolean userDefined = Integer.compareUnsigned(typeOid, FIRST_USER_OID) >= 0;
                return userDefined && formatCode == 0 ? TEXT : OTHER;
        }
    }

    private static boolean structured(int typeOid) {
        for (int oid : STRUCTURED) {
            if (oid == typeOid) {
                return true;
            }
        }
        return false;
    }
}
