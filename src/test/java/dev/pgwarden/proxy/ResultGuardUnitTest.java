package dev.pgwarden.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.junit.jupiter.api.Test;

import dev.pgwarden.proxy.ResultGuard.Action;
import dev.pgwarden.wire.PgError;

class ResultGuardUnitTest {
    static final PgError ERROR = PgError.error("57014", "ceiling");
    static final StatementGate.ApprovalNeed NEED = new StatementGate.ApprovalNeed("big", "why", "v1", -1, 0, "SELECT 1",
            "SELECT ?");

    static ResultGuard stopping(long rows, long bytes) {
        return new ResultGuard(ResultLimit.stopping(rows, bytes, () -> ERROR));
    }

    @Test
    void rowsUpToTheLimitPassAndTheStatementEndsNormally() {
        ResultGuard g = stopping(2, Long.MAX_VALUE);
        assertEquals(Action.PASS, g.onRow(10));
        assertEquals(Action.PASS, g.onRow(10));
        assertEquals(Action.PASS, g.onEnd());
    }

    @Test
    void theFirstRowPastTheLimitCancelsAndTheRestAreWithheldUntilTheErrorTakesTheEndsPlace() {
        ResultGuard g = stopping(1, Long.MAX_VALUE);
        assertEquals(Action.PASS, g.onRow(10));
        assertEquals(Action.CANCEL, g.onRow(10));
        assertEquals(Action.DROP, g.onRow(10));
        assertEquals(Action.FAIL, g.onEnd()); // the cancel's 57014, or the statement's own end
        assertSame(ERROR, g.error());
        assertEquals(Action.DROP, g.onEnd(), "nothing else of the statement reaches the client");
    }

    @Test
    void bytesCountAsWellAsRows() {
        ResultGuard g = stopping(1000, 100);
        assertEquals(Action.PASS, g.onRow(60));
        assertEquals(Action.CANCEL, g.onRow(60), "one wide row past the byte budget");
    }

    @Test
    void aPortalReadInBatchesIsCountedAcrossItsReadsAndFailsAgainOnceFailed() {
        ResultGuard g = stopping(3, Long.MAX_VALUE);
        assertEquals(Action.PASS, g.onRow(1));
        assertEquals(Action.PASS, g.onRow(1));
        assertEquals(Action.PASS, g.onEnd()); // PortalSuspended
        g.startRead();
        assertEquals(Action.PASS, g.onRow(1));
        assertEquals(Action.CANCEL, g.onRow(1));
        assertEquals(Action.FAIL, g.onEnd());
        g.startRead(); // the client fetches again from the portal it was refused
        assertEquals(Action.DROP, g.onRow(1));
        assertEquals(Action.FAIL, g.onEnd(), "it fails again rather than ending quietly short");
    }

    @Test
    void pastAnAskingLimitTheRowWaitsForTheDecision() {
        ResultGuard approved = new ResultGuard(ResultLimit.asking(1, Long.MAX_VALUE, () -> NEED));
        assertEquals(Action.PASS, approved.onRow(1));
        assertEquals(Action.ASK, approved.onRow(1));
        assertSame(NEED, approved.ask());
        approved.decided(null);
        assertEquals(Action.PASS, approved.onRow(1), "the held row, shown again");
        assertEquals(Action.PASS, approved.onRow(1), "and the rest, unlimited");
        assertEquals(Action.PASS, approved.onEnd());

        ResultGuard denied = new ResultGuard(ResultLimit.asking(1, Long.MAX_VALUE, () -> NEED));
        denied.onRow(1);
        assertEquals(Action.ASK, denied.onRow(1));
        PgError no = PgError.error("42501", "denied");
        denied.decided(no);
        assertEquals(Action.CANCEL, denied.onRow(1), "the held row is withheld and the statement cancelled");
        assertEquals(Action.DROP, denied.onRow(1));
        assertEquals(Action.FAIL, denied.onEnd());
        assertSame(no, denied.error());
    }
}
