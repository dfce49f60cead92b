package dev.pgwarden.lineage;

/**
 * What the plan alone does not say about the statement it was made for.
 *
 * @param parameterOffset        the client's {@code $1} is printed {@code $(1 + parameterOffset)} (the plan
 *                               was made with them renumbered, so that they cannot look like InitPlan outputs)
 * @param clientParameters       how many {@code $n} the client binds (a statement from Parse, a PREPARE);
 *                               0 for a statement with its values inline
 * @param resultIsWritten        the plan's result goes into a table, not to the client (CREATE TABLE AS,
 *                               SELECT INTO)
 * @param mayCompareInSubqueries the statement's text has an {@code IN}/{@code ANY}/{@code ALL}/{@code SOME}/
 *                               {@code EXISTS} subquery, whose comparison PostgreSQL 15 does not print
 */
public record StatementShape(int parameterOffset, int clientParameters, boolean resultIsWritten,
        boolean mayCompareInSubqueries) {

    /** A query with its values inline, whose result goes to the client. */
    public static final StatementShape PLAIN_QUERY = new StatementShape(0, 0, false, false);

    /** Whether {@code $n} in the plan is one the client binds. */
    boolean isClientParameter(int n) {
        return n > parameterOffset && n <= parameterOffset + clientParameters;
    }
}
