package dev.pgwarden.proxy;

/**
 * Counts what one statement delivered to the client towards whatever it is metered against (the
 * subject's budgets). A verdict carries one per statement, or none for statements nothing meters,
 * which then cost nothing. Called on the session's event loop; must not block it.
 */
public interface StatementMeter {

    /**
     * One read of the statement's result ended (its whole result; or one Execute of a portal read in
     * batches; or one FETCH of a cursor it declared), also when it ended in an error; or, with rows and
     * bytes 0, the statement was sent and makes {@code lookups} (counted then, so statements pipelined
     * behind it are checked against them).
     *
     * @param rows    DataRows and COPY TO lines the client received
     * @param bytes   their size in bytes
     * @param lookups equality lookups on masked columns the statement makes (once per run, when it is sent)
     */
    void delivered(long rows, long bytes, int lookups);

    /**
     * Before another run of the statement that no gate sees: an Execute of a prepared statement bound
     * again after the run its Parse was decided for (drivers reuse server-prepared statements).
     *
     * @param lookups equality lookups on masked columns each run makes
     * @return null when it may run as decided at Parse; else the verdict on this run: one that needs
     *         approval first, a refusal, or an approval that already covers it
     */
    default StatementGate.Verdict again(int lookups) {
        return null;
    }

    /**
     * Before the statement's first run, once the planner has said how many equality lookups on masked
     * columns it makes (a long IN list): null when they fit in what is left; else the approval it
     * waits for first.
     */
    default StatementGate.ApprovalNeed pastLookups(int lookups) {
        return null;
    }
}
