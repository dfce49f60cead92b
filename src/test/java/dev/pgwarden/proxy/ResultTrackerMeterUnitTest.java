package dev.pgwarden.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.pgwarden.masking.MaskingRules;
import dev.pgwarden.masking.ResultMasker;
import dev.pgwarden.masking.StatementMasks;
import dev.pgwarden.masking.ValueMasker;
import dev.pgwarden.wire.MessageTypes;
import dev.pgwarden.wire.MessageWriter;
import io.vertx.core.buffer.Buffer;

/**
 * The meter seam: what the tracker tells a statement's meter, fed the server messages PostgreSQL
 * sends, byte for byte. Each read (a result, an Execute of a portal, a FETCH of a cursor) is
 * reported once with the rows and bytes the client got; lookups only at a statement's first read.
 */
class ResultTrackerMeterUnitTest {
    /** What a meter was told, one entry per call: rows, bytes, lookups. */
    static final class Recording implements StatementMeter {
        final List<long[]> reads = new ArrayList<>();

        /** What its statement's next run is checked by: a verdict of its own, with the lookups it was given. */
        final StatementGate.Verdict rerun = StatementGate.Verdict.allow("rerun");
        int rerunLookups = -1;

        @Override
        public void delivered(long rows, long bytes, int lookups) {
            reads.add(new long[] { rows, bytes, lookups });
        }

        @Override
        public StatementGate.Verdict again(int lookups) {
            rerunLookups = lookups;
            return rerun;
        }

        String describe() {
            return reads.stream().map(r -> r[0] + "/" + r[1] + "/" + r[2]).toList().toString();
        }
    }

    static final ResultMasker NOTHING_MASKED = new ResultMasker(MaskingRules.none(), null,
            new ValueMasker(new byte[16]));
    static final StatementMasks TWO_LOOKUPS = StatementMasks.UNKNOWN.withEqualityLookups(2);

    final ResultTracker tracker = new ResultTracker(() -> NOTHING_MASKED, null,
            io.vertx.core.Future::succeededFuture);

    static Buffer row(String value) {
        byte[] v = value.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        return MessageWriter.typed(MessageTypes.DATA_ROW).int16(1).int32(v.length).bytes(v).finish();
    }

    static Buffer complete(String tag) {
        return MessageWriter.typed(MessageTypes.COMMAND_COMPLETE).cstring(tag).finish();
    }

    static Buffer ready(char status) {
        return MessageWriter.typed(MessageTypes.READY_FOR_QUERY).int8(status).finish();
    }

    static Buffer bindComplete() {
        return MessageWriter.typed(MessageTypes.BIND_COMPLETE).finish();
    }

    static Buffer parseComplete() {
        return MessageWriter.typed(MessageTypes.PARSE_COMPLETE).finish();
    }

    static Buffer suspended() {
        return MessageWriter.typed(MessageTypes.PORTAL_SUSPENDED).finish();
    }

    static Buffer error() {
        return MessageWriter.typed(MessageTypes.ERROR_RESPONSE).int8('S').cstring("ERROR").int8('C').cstring("22012")
                .int8('M').cstring("division by zero").int8(0).finish();
    }

    void server(Buffer... messages) {
        for (Buffer m : messages) {
            tracker.onServerMessage(m.getByte(0), m, 0, m.length());
        }
    }

    @Test
    void aSimpleQueryCountsLookupsWhenSentAndRowsAtItsEnd() {
        Recording meter = new Recording();
        tracker.query(List.of("SELECT name FROM customers", "SELECT 1"), List.of(TWO_LOOKUPS, StatementMasks.UNKNOWN),
                List.of(), java.util.Arrays.asList(meter, null));
        assertEquals("[0/0/2]", meter.describe(), "lookups count as the statement is sent, before any result");
        Buffer a = row("Olivia");
        Buffer b = row("Liam");
        server(a, b, complete("SELECT 2"), row("1"), complete("SELECT 1"), ready('I'));
        assertEquals("[0/0/2, 2/" + (a.length() + b.length()) + "/0]", meter.describe(),
                "the unmetered statement is not counted");
    }

    @Test
    void aPortalReadInBatchesIsReportedPerExecuteAndItsLookupsOnceWhenFirstExecuted() {
        Recording meter = new Recording();
        tracker.parse("s1", "SELECT name FROM customers WHERE ssn = $1", TWO_LOOKUPS, null, meter);
        tracker.bind("p1", "s1", new int[0]);
        tracker.execute("p1");
        tracker.execute("p1");
        tracker.sync();
        assertEquals("[0/0/2]", meter.describe(), "counted as the first Execute is sent");
        Buffer r = row("x");
        server(parseComplete(), bindComplete(), r, r, suspended(), r, complete("SELECT 3"), ready('T'));
        assertEquals("[0/0/2, 2/" + 2 * r.length() + "/0, 1/" + r.length() + "/0]", meter.describe());
        // Bound again (new parameters): its lookups count again.
        tracker.bind("p1", "s1", new int[0]);
        tracker.execute("p1");
        tracker.sync();
        server(bindComplete(), complete("SELECT 0"), ready('I'));
        assertEquals("[0/0/2, 2/" + 2 * r.length() + "/0, 1/" + r.length() + "/0, 0/0/2, 0/0/0]", meter.describe());
    }

    @Test
    void aCursorsFetchesAreReportedToItsDeclaresMeter() {
        Recording meter = new Recording();
        tracker.query(List.of("DECLARE c CURSOR FOR SELECT name FROM customers"), List.of(TWO_LOOKUPS), List.of(),
                List.of(meter));
        server(complete("DECLARE CURSOR"), ready('T'));
        tracker.query(List.of("FETCH 2 FROM c"), List.of(), List.of(), List.of());
        Buffer r = row("y");
        server(r, r, complete("FETCH 2"), ready('T'));
        tracker.query(List.of("fetch next in \"c\""), List.of(), List.of(), List.of());
        server(r, complete("FETCH 1"), ready('T'));
        assertEquals("[0/0/2, 0/0/0, 2/" + 2 * r.length() + "/0, 1/" + r.length() + "/0]", meter.describe());
        // The transaction ended: so did the cursor; a FETCH of another cursor of that name is not metered.
        tracker.query(List.of("COMMIT"), List.of(), List.of(), List.of());
        server(complete("COMMIT"), ready('I'));
        tracker.query(List.of("FETCH 1 FROM c"), List.of(), List.of(), List.of());
        server(row("z"), complete("FETCH 1"), ready('I'));
        assertEquals(4, meter.reads.size());
    }

    @Test
    void aPreparedStatementBoundAgainIsARunItsParseDidNotDecide() {
        Recording meter = new Recording();
        tracker.parse("S_1", "SELECT name FROM customers WHERE id = $1", TWO_LOOKUPS, null, meter);
        tracker.bind("", "S_1", new int[0]);
        assertNull(tracker.rerunCheck(""), "the run its Parse was decided for");
        tracker.execute("");
        tracker.sync();
        tracker.bind("", "S_1", new int[0]);
        assertSame(meter.rerun, tracker.rerunCheck(""), "bound again: checked again");
        assertEquals(2, meter.rerunLookups, "with the lookups each run makes");
        tracker.execute("");
        assertNull(tracker.rerunCheck(""), "the next batch of the same portal is the same run");
        tracker.bind("", "S_1", new int[0]);
        tracker.close((byte) 'S', "S_1");
        tracker.bind("p2", "S_1", new int[0]);
        assertNull(tracker.rerunCheck("p2"), "a statement closed is no longer metered");
    }

    @Test
    void aStatementThatFailsMidwayReportsWhatTheClientGot() {
        Recording meter = new Recording();
        tracker.query(List.of("SELECT 1 / (id - 3) FROM customers"), List.of(), List.of(), List.of(meter));
        Buffer r = row("1");
        server(r, r, error(), ready('I'));
        assertEquals("[2/" + 2 * r.length() + "/0]", meter.describe());
    }
}
