package dev.pgwarden.policy;

/**
 * How much a statement allowed under an {@code estimated_rows_over} rule may stream before the
 * gateway stops it and asks (require_approval) or ends it (block). The planner's estimate is the
 * early ask; this limit, counted on the result stream, holds whatever the planner guessed.
 *
 * @param rule    the rule whose threshold this is
 * @param action  what the rule does once the statement streams past the limit
 * @param rows    rows (DataRow, or a COPY TO line) the statement may return
 * @param bytes   bytes it may return: {@code rows} rows of the planned width with slack, so a fold of
 *                a table into a few rows (json_agg, string_agg...) is caught too
 * @param message the rule's message, or null
 */
public record StreamLimit(String rule, Action action, long rows, long bytes, String message) {
    /** Row width slack over the planner's estimate (widths come from average column sizes). */
    static final int WIDTH_SLACK = 4;
    /** The least byte budget, whatever the plan's width: a small result is never stopped for its bytes. */
    static final long MIN_BYTES = 64 * 1024;

    /** The limit of {@code rule} for a statement whose result rows are planned {@code width} bytes wide. */
    static StreamLimit of(Rule rule, long width) {
        long rows = rule.match().estimatedRowsOver();
        long perRow = Math.max(1, width) * WIDTH_SLACK + 16; // + DataRow framing
        long bytes = rows > Long.MAX_VALUE / perRow ? Long.MAX_VALUE : Math.max(MIN_BYTES, rows * perRow);
        return new StreamLimit(rule.name(), rule.action(), rows, bytes, rule.message());
    }

    /** The stricter of two limits (fewer rows), either may be null. */
    static StreamLimit stricter(StreamLimit a, StreamLimit b) {
        if (a == null) {
            return b;
        }
        return b == null || a.rows() <= b.rows() ? a : b;
    }
}
