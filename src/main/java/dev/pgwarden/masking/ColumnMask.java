package dev.pgwarden.masking;

import java.util.Objects;

/**
 * What to do with one column of a result: apply a {@link MaskFunction}, or run the content
 * detectors over it ({@link #isDetect()}). A column that needs nothing has no ColumnMask (null in
 * the plan array). Carries the column's type and format, which decide how the value is rewritten.
 */
public final class ColumnMask {
    /** Detection on a text column in text format: what COPY uses when it knows no types. */
    public static final ColumnMask DETECT_TEXT = detect(TypeClass.TEXT_OID, 0);

    private final MaskFunction function;
    private final int typeOid;
    private final int formatCode;
    private final TypeClass typeClass;

    private ColumnMask(MaskFunction function, int typeOid, int formatCode) {
        this.function = function;
        this.typeOid = typeOid;
        this.formatCode = formatCode;
        this.typeClass = TypeClass.of(typeOid, formatCode);
    }

    public static ColumnMask apply(MaskFunction function, int typeOid, int formatCode) {
        return new ColumnMask(Objects.requireNonNull(function, "function"), typeOid, formatCode);
    }

    public static ColumnMask apply(MaskFunction function, Field field) {
        return apply(function, field.typeOid(), field.formatCode());
    }

    public static ColumnMask detect(int typeOid, int formatCode) {
        return new ColumnMask(null, typeOid, formatCode);
    }

    public static ColumnMask detect(Field field) {
        return detect(field.typeOid(), field.formatCode());
    }

    public boolean isDetect() {
        return function == null;
    }

    /** The function to apply; null for a detecting mask. */
    public MaskFunction function() {
        return function;
    }

    public int typeOid() {
        return typeOid;
    }

    public int formatCode() {
        return formatCode;
    }

    public TypeClass typeClass() {
        return typeClass;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ColumnMask m && m.function == function && m.typeOid == typeOid
                && m.formatCode == formatCode;
    }

    @Override
    public int hashCode() {
        return Objects.hash(function, typeOid, formatCode);
    }

    @Override
    public String toString() {
        return (function == null ? "DETECT" : function.name()) + "[type " + Integer.toUnsignedString(typeOid)
                + ", format " + formatCode + "]";
    }
}
