package dev.pgwarden.proxy;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import dev.pgwarden.wire.PgError;

/** Drives the tracker the way ClientToUpstream (refuse) and UpstreamToClient (substitute) do. */
class RefusalTrackerUnitTest {
    private static final PgError BLOCKED = PgError.error("42501", "pgwarden: blocked by rule no-drop");
    private static final PgError BLOCKED_TOO = PgError.error("42501", "pgwarden: blocked by rule no-delete");

    /** The error PostgreSQL raises for the poison statement, which is just the marker. */
    private static PgError poisonError(String marker) {
        return PgError.error("42601", "syntax error at or near \"" + marker + "\"");
    }

    @Test
    void aRefusalIsSubstitutedForTheErrorCarryingItsMarker() {
        RefusalTracker t = new RefusalTracker();
        String marker = t.refuse(BLOCKED);
        assertTrue(t.hasPending());
        assertSame(BLOCKED, t.substitute(poisonError(marker)));
        assertFalse(t.hasPending());
        assertNull(t.substitute(poisonError(marker)), "substituted once only");
    }

    @Test
    void markersAreDistinctBareIdentifiersAndUnguessableAcrossSessions() {
        RefusalTracker t = new RefusalTracker();
        String a = t.refuse(BLOCKED);
        String b = t.refuse(BLOCKED);
        assertNotEquals(a, b);
        // A bare lower-case identifier: PostgreSQL echoes it verbatim in "syntax error at or near ...".
        assertTrue(a.matches("[a-z_][a-z0-9_]*") && b.matches("[a-z_][a-z0-9_]*"), a + " " + b);
        String other = new RefusalTracker().refuse(BLOCKED);
        assertNotEquals(a, other, "another session's markers differ, so one cannot be forged from another");
    }

    @Test
    void anErrorWithoutTheMarkerIsNotSubstituted() {
        RefusalTracker t = new RefusalTracker();
        String marker = t.refuse(BLOCKED);
        assertNull(t.substitute(PgError.error("42P01", "relation \"x\" does not exist")));
        assertNull(t.substitute(new PgError("ERROR", "XX000", null, null, null)), "an error without message");
        assertTrue(t.hasPending());
        assertSame(BLOCKED, t.substitute(poisonError(marker)));
    }

    @Test
    void aRefusalSkippedByAnEarlierErrorIsDroppedWhenALaterOneMatches() {
        RefusalTracker t = new RefusalTracker();
        t.refuse(BLOCKED); // PostgreSQL skipped this poison: an earlier statement failed first
        String second = t.refuse(BLOCKED_TOO);
        assertSame(BLOCKED_TOO, t.substitute(poisonError(second)));
        assertFalse(t.hasPending(), "the skipped one is void");
    }

    @Test
    void markerOneDoesNotMatchMarkerTwelve() {
        RefusalTracker t = new RefusalTracker();
        String first = t.refuse(BLOCKED);
        String twelfth = null;
        for (int i = 2; i <= 12; i++) {
            twelfth = t.refuse(i == 12 ? BLOCKED_TOO : BLOCKED);
        }
        assertTrue(twelfth.startsWith(first), twelfth);
        assertSame(BLOCKED_TOO, t.substitute(poisonError(twelfth)));
    }

    @Test
    void refusalsAreSubstitutedInOrder() {
        RefusalTracker t = new RefusalTracker();
        String m0 = t.refuse(BLOCKED);
        String m1 = t.refuse(BLOCKED_TOO);
        assertSame(BLOCKED, t.substitute(poisonError(m0)));
        assertSame(BLOCKED_TOO, t.substitute(poisonError(m1)));
        assertFalse(t.hasPending());
    }

    @Test
    void theQueueIsBounded() {
        RefusalTracker t = new RefusalTracker();
        String oldest = t.refuse(BLOCKED);
        String newest = null;
        for (int i = 0; i < 1000; i++) {
            newest = t.refuse(BLOCKED_TOO);
        }
        assertNull(t.substitute(poisonError(oldest)), "long-skipped refusals are forgotten");
        assertSame(BLOCKED_TOO, t.substitute(poisonError(newest)));
    }
}
