package dev.pgwarden.masking;

/**
 * One column of a RowDescription. {@code tableOid} and {@code columnAttr} name the table column the
 * value comes from (its lineage); both are 0 for a computed column.
 *
 * <p>A RowDescription answering Describe of a <em>statement</em> reports format 0 for every column
 * because the formats are chosen later, by Bind: use {@link #withFormat} with the Bind's result
 * format before planning.
 */
public record Field(String name, int tableOid, int columnAttr, int typeOid, int typeSize, int typeModifier,
        int formatCode) {

    /** Whether the value comes straight from a table column. */
    public boolean isTableColumn() {
        return tableOid != 0 && columnAttr != 0;
    }

    public TypeClass typeClass() {
        return TypeClass.of(typeOid, formatCode);
    }

    public Field withFormat(int format) {
        return new Field(name, tableOid, columnAttr, typeOid, typeSize, typeModifier, format);
    }
}
