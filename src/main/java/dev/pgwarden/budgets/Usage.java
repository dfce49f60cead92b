package dev.pgwarden.budgets;

/** Rows, bytes and masked-column lookups one subject received under one budget. */
public record Usage(long rows, long bytes, long lookups) {
    public static final Usage ZERO = new Usage(0, 0, 0);

    Usage plus(long r, long b, long l) {
        return r == 0 && b == 0 && l == 0 ? this : new Usage(rows + r, bytes + b, lookups + l);
    }

    boolean isZero() {
        return rows == 0 && bytes == 0 && lookups == 0;
    }
}
