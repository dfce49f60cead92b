package dev.pgwarden.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import io.vertx.core.buffer.Buffer;

/** The row count the audit record takes from a CommandComplete's tag, as the server writes them. */
class CommandTagRowsTest {

    /** A CommandComplete message for {@code tag}, after some bytes of an earlier message in the same chunk. */
    private static Long rows(String tag) {
        byte[] t = tag.getBytes(StandardCharsets.US_ASCII);
        Buffer buf = Buffer.buffer().appendString("xyz").appendByte((byte) 'C').appendInt(4 + t.length + 1)
                .appendBytes(t).appendByte((byte) 0);
        return RecordingSession.rowsOf(buf, 3, buf.length());
    }

    @Test
    void countsOfTheTagsThatHaveOne() {
        assertEquals(5L, rows("SELECT 5"));
        assertEquals(0L, rows("SELECT 0"));
        assertEquals(3L, rows("INSERT 0 3"));
        assertEquals(1234567890123L, rows("UPDATE 1234567890123"));
        assertEquals(999_999_999_999_999_999L, rows("COPY 999999999999999999"));
    }

    @Test
    void noCountWhereTheTagHasNoneOrOneNoLongHolds() {
        assertNull(rows("CREATE TABLE"));
        assertNull(rows("BEGIN"));
        assertNull(rows("SET"));
        assertNull(rows("FETCH"));
        assertNull(rows("SELECT 12345678901234567890"));
        assertNull(rows("SELECT5"));
    }
}
