package dev.pgwarden.budgets;

/** Rows, bytes and masked-column lookups one subject received under one budget. */
public record BudgetUsage(long rows, long bytes, long lookups) {
    public static final BudgetUsage ZERO = new BudgetUsage(0, 0, 0);

    BudgetUsage plus(long r, long b, long l) {
        return r == 0 && b == 0 && l == 0 ? this : new BudgetUsage(rows + r, bytes + b, lookups + l);
    }

    boolean isZero() {
        return rows == 0 && bytes == 0 && lookups == 0;
    }
}
