package dev.pgwarden.masking;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.management.ManagementFactory;

import org.junit.jupiter.api.Test;

import dev.pgwarden.wire.MessageWriter;
import io.vertx.core.buffer.Buffer;

/**
 * The path every unmatched value takes must not allocate: it runs for each text value of each row.
 * Measured with the JVM's per-thread allocation counter, not with timings: a few bytes of noise are
 * tolerated, one object per call (16 bytes or more, times thousands of calls) is not.
 */
class NoMatchPathTest {
    private static final int ROUNDS = 20_000;

    private static final String[] VALUES = {
            "Ann Smith",
            "12 Main Street, Springfield",
            "2024-01-15 10:30:00.123456+00", // passes the digit pre-check, matches nothing
            "+1 (555) 123-4567 ext. 8901",
            "order 100234556789012 shipped",
            "4111111111111112",
            "user@localhost",
            "{\"id\": 7, \"name\": \"Ann\", \"ts\": 1718035200001}",
    };

    private final ContentDetectors detectors = ContentDetectors.all();
    private final DataRowRewriter rewriter = new DataRowRewriter(new ValueMasker(ValueMaskerTest.KEY), detectors);

    private static com.sun.management.ThreadMXBean allocationCounter() {
        var bean = ManagementFactory.getThreadMXBean();
        assumeTrue(bean instanceof com.sun.management.ThreadMXBean, "no per-thread allocation counter");
        var counter = (com.sun.management.ThreadMXBean) bean;
        assumeTrue(counter.isThreadAllocatedMemorySupported() && counter.isThreadAllocatedMemoryEnabled(),
                "per-thread allocation counting is off");
        return counter;
    }

    @Test
    void scanningStringsWithoutMatchesAllocatesNothing() {
        var counter = allocationCounter();
        int same = scanStrings(1_000); // warm up: class loading and first-call allocations
        assertEquals(1_000 * VALUES.length, same);
        long before = counter.getCurrentThreadAllocatedBytes();
        same = scanStrings(ROUNDS);
        long allocated = counter.getCurrentThreadAllocatedBytes() - before;
        assertEquals(ROUNDS * VALUES.length, same, "every value comes back as the same instance");
        assertTrue(allocated < ROUNDS, allocated + " bytes allocated for " + ROUNDS * VALUES.length + " scans");
    }

    @Test
    void rowsWithoutMatchesAllocateNothing() {
        var counter = allocationCounter();
        MessageWriter w = MessageWriter.typed((byte) 'D').int16(VALUES.length + 1);
        ColumnMask[] plan = new ColumnMask[VALUES.length + 1];
        for (int i = 0; i < VALUES.length; i++) {
            byte[] v = VALUES[i].getBytes(java.nio.charset.StandardCharsets.UTF_8);
            w.int32(v.length).bytes(v);
            plan[i] = ColumnMask.detect(i % 2 == 0 ? 25 : 1043, i % 3 == 0 ? 1 : 0);
        }
        w.int32(-1);
        plan[VALUES.length] = ColumnMask.apply(MaskFunction.REDACT, 25, 0); // NULL stays NULL: no change
        Buffer row = w.finish();

        int unchanged = rewriteRows(row, plan, 1_000);
        assertEquals(1_000, unchanged);
        long before = counter.getCurrentThreadAllocatedBytes();
        unchanged = rewriteRows(row, plan, ROUNDS);
        long allocated = counter.getCurrentThreadAllocatedBytes() - before;
        assertEquals(ROUNDS, unchanged, "no row changed");
        assertTrue(allocated < ROUNDS, allocated + " bytes allocated for " + ROUNDS + " rows");
    }

    private int scanStrings(int rounds) {
        int same = 0;
        for (int r = 0; r < rounds; r++) {
            for (String v : VALUES) {
                if (detectors.scan(v) == v) {
                    same++;
                }
            }
        }
        return same;
    }

    private int rewriteRows(Buffer row, ColumnMask[] plan, int rounds) {
        int unchanged = 0;
        int end = row.length();
        for (int r = 0; r < rounds; r++) {
            if (rewriter.rewrite(row, 0, end, plan) == null) {
                unchanged++;
            }
        }
        return unchanged;
    }
}
