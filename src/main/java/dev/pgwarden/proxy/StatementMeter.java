package dev.pgwarden.proxy;

/**
 * Counts what one statement delivered to the client towards whatever it is metered against (the
 * subject's budgets). A verdict carries one per statement, or none for statements nothing meters,
 * which then cost nothing. Called on the session's event loop; must not block it.
 */
public interface StatementMeter {

    /**
     * One read of the statement's result ended (its whole result; or one Execute of a portal read in
     * batches; or one FETCH of a cursor it declared), also when it ended in an error.
     *
     * @param rows    DataRows and COPY TO lines the client received
     * @param bytes   their size in bytes
     * @param lookups equality lookups on masked columns the statement made (counted at its first read only)
     */
    void delivered(long rows, long bytes, int lookups);
}
