package dev.pgwarden.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import dev.pgwarden.proxy.RowCeiling.Action;
import dev.pgwarden.wire.MessageTypes;
import dev.pgwarden.wire.PgError;

class RowCeilingUnitTest {
    static final PgError ERROR = PgError.error("57014", "ceiling");

    @Test
    void rowsUpToTheLimitPassAndTheStatementEndsNormally() {
        RowCeiling c = new RowCeiling(2, 0, ERROR);
        assertEquals(Action.PASS, c.onMessage(MessageTypes.ROW_DESCRIPTION));
        assertEquals(Action.PASS, c.onMessage(MessageTypes.DATA_ROW));
        assertEquals(Action.PASS, c.onMessage(MessageTypes.DATA_ROW));
        assertEquals(Action.PASS, c.onMessage(MessageTypes.COMMAND_COMPLETE));
        assertFalse(c.done());
        assertEquals(Action.PASS, c.onMessage(MessageTypes.READY_FOR_QUERY));
        assertTrue(c.done());
    }

    @Test
    void theFirstRowPastTheLimitCancelsAndTheRestAreWithheldUntilTheErrorTakesTheEndsPlace() {
        RowCeiling c = new RowCeiling(1, 0, ERROR);
        assertEquals(Action.PASS, c.onMessage(MessageTypes.DATA_ROW));
        assertEquals(Action.CANCEL, c.onMessage(MessageTypes.DATA_ROW));
        assertEquals(Action.DROP, c.onMessage(MessageTypes.DATA_ROW));
        assertEquals(Action.DROP, c.onMessage(MessageTypes.NOTICE_RESPONSE));
        assertEquals(Action.FAIL, c.onMessage(MessageTypes.ERROR_RESPONSE)); // the cancel's 57014
        assertEquals(Action.DROP, c.onMessage(MessageTypes.COMMAND_COMPLETE));
        assertEquals(Action.PASS, c.onMessage(MessageTypes.READY_FOR_QUERY));
        assertTrue(c.done());
    }

    @Test
    void aStatementThatCompletesBeforeTheCancelLandsStillEndsInTheError() {
        RowCeiling c = new RowCeiling(0, 0, ERROR);
        assertEquals(Action.CANCEL, c.onMessage(MessageTypes.COPY_DATA));
        assertEquals(Action.FAIL, c.onMessage(MessageTypes.COPY_DONE));
        assertEquals(Action.DROP, c.onMessage(MessageTypes.COMMAND_COMPLETE));
    }

    @Test
    void rowsOfEarlierPipelinedStatementsDoNotCount() {
        RowCeiling c = new RowCeiling(1, 1, ERROR);
        assertEquals(Action.PASS, c.onMessage(MessageTypes.DATA_ROW));
        assertEquals(Action.PASS, c.onMessage(MessageTypes.DATA_ROW));
        assertEquals(Action.PASS, c.onMessage(MessageTypes.READY_FOR_QUERY));
        assertFalse(c.done());
        assertEquals(Action.PASS, c.onMessage(MessageTypes.DATA_ROW));
        assertEquals(Action.CANCEL, c.onMessage(MessageTypes.DATA_ROW));
    }

    @Test
    void aPortalReadInBatchesIsCountedAcrossItsFetches() {
        RowCeiling c = new RowCeiling(3, 0, ERROR);
        assertEquals(Action.PASS, c.onMessage(MessageTypes.DATA_ROW));
        assertEquals(Action.PASS, c.onMessage(MessageTypes.DATA_ROW));
        assertEquals(Action.PASS, c.onMessage(MessageTypes.PORTAL_SUSPENDED));
        assertEquals(Action.PASS, c.onMessage(MessageTypes.READY_FOR_QUERY));
        assertFalse(c.done(), "the portal is still open");
        assertEquals(Action.PASS, c.onMessage(MessageTypes.DATA_ROW));
        assertEquals(Action.CANCEL, c.onMessage(MessageTypes.DATA_ROW));
        assertEquals(Action.FAIL, c.onMessage(MessageTypes.PORTAL_SUSPENDED));
        assertEquals(Action.PASS, c.onMessage(MessageTypes.READY_FOR_QUERY));
        assertTrue(c.done());
    }
}
