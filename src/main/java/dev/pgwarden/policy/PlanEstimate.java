package dev.pgwarden.policy;

/**
 * What the planner expects of a statement.
 *
 * @param rows  the rows it reads from tables or returns, whichever is more: the rows of its scan
 *              nodes count, so a fold of a large table into one row is seen as large
 * @param width the planned width of one result row in bytes (0 when unknown)
 */
public record PlanEstimate(long rows, long width) {
}
