package dev.pgwarden.proxy;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import dev.pgwarden.masking.MaskingRules;
import dev.pgwarden.masking.ResultMasker;
import dev.pgwarden.masking.StatementMasks;
import dev.pgwarden.masking.ValueMasker;
import dev.pgwarden.wire.MessageTypes;
import dev.pgwarden.wire.MessageWriter;
import io.vertx.core.buffer.Buffer;

/**
 * When the gateway describes a portal itself before an Execute: only when masking is on and nothing
 * else will describe the rows (the client did not, and no earlier Describe told the statement's
 * columns); its answer is the gateway's alone.
 */
class ResultTrackerDescribeUnitTest {
    static final ResultMasker MASKING = new ResultMasker(
            MaskingRules.builder().column("public.customers.ssn", "redact").build(), null, new ValueMasker(new byte[16]));

    static ResultTracker tracker(ResultMasker masker) {
        return new ResultTracker(() -> masker, null, io.vertx.core.Future::succeededFuture);
    }

    static Buffer noData() {
        return MessageWriter.typed(MessageTypes.NO_DATA).finish();
    }

    /** Parse and Bind, and PostgreSQL's ParseComplete and BindComplete for them. */
    static void bound(ResultTracker t, String sql) {
        t.parse("s", sql, StatementMasks.UNKNOWN, null, null);
        t.bind("p", "s", new int[] { 1 });
        for (byte complete : new byte[] { MessageTypes.PARSE_COMPLETE, MessageTypes.BIND_COMPLETE }) {
            Buffer b = MessageWriter.typed(complete).finish();
            t.onServerMessage(complete, b, 0, b.length());
        }
    }

    @Test
    void anUndescribedExecuteIsDescribedByTheGateway() {
        ResultTracker t = tracker(MASKING);
        bound(t, "FETCH 1 FROM c");
        assertTrue(t.execute("p"));
    }

    @Test
    void aClientsDescribeOfThePortalOrTheStatementIsEnough() {
        ResultTracker portal = tracker(MASKING);
        bound(portal, "FETCH 1 FROM c");
        portal.describe((byte) 'P', "p");
        assertFalse(portal.execute("p"), "the client's Describe of the portal answers first");

        ResultTracker statement = tracker(MASKING);
        statement.parse("s", "FETCH 1 FROM c", StatementMasks.UNKNOWN, null, null);
        statement.describe((byte) 'S', "s");
        statement.bind("p", "s", new int[] { 1 });
        assertFalse(statement.execute("p"), "the client's Describe of the statement answers first");
    }

    @Test
    void withoutMaskingNothingIsDescribed() {
        ResultTracker t = tracker(new ResultMasker(MaskingRules.none(), null, new ValueMasker(new byte[16])));
        bound(t, "FETCH 1 FROM c");
        assertFalse(t.execute("p"));
    }

    @Test
    void theAnswerIsWithheldAndAStatementWithoutRowsIsNotDescribedAgain() {
        ResultTracker t = tracker(MASKING);
        bound(t, "SET statement_timeout = '1s'");
        assertTrue(t.execute("p"));
        Buffer answer = noData();
        assertSame(ResultTracker.DROP, t.onServerMessage(MessageTypes.NO_DATA, answer, 0, answer.length()),
                "the client never asked for this NoData");
        Buffer done = MessageWriter.typed(MessageTypes.COMMAND_COMPLETE).cstring("SET").finish();
        assertNull(t.onServerMessage(MessageTypes.COMMAND_COMPLETE, done, 0, done.length()), "its own answer is relayed");
        t.bind("p", "s", new int[] { 1 });
        Buffer bindComplete = MessageWriter.typed(MessageTypes.BIND_COMPLETE).finish();
        t.onServerMessage(MessageTypes.BIND_COMPLETE, bindComplete, 0, bindComplete.length());
        assertFalse(t.execute("p"), "NoData is known now");
    }
}
