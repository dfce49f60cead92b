package dev.pgwarden.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;

import org.junit.jupiter.api.Test;

/**
 * The chain hashes as AuditHash documents them for anyone checking an export offline: SHA-256 over the
 * previous hash, the kind and every field, each a 4-byte big-endian length (-1 for null) then its UTF-8
 * bytes, numbers as decimal text. Computed here from that description alone.
 */
class AuditHashFormatTest {

    private static String documented(String... fields) throws Exception {
        ByteArrayOutputStream in = new ByteArrayOutputStream();
        for (String f : fields) {
            byte[] bytes = f == null ? new byte[0] : f.getBytes(StandardCharsets.UTF_8);
            in.write(ByteBuffer.allocate(4).putInt(f == null ? -1 : bytes.length).array());
            in.write(bytes);
        }
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(in.toByteArray()));
    }

    @Test
    void aStatementRecordHashesAsDocumented() throws Exception {
        String previous = "ab".repeat(32);
        String text = "SELECT 'Zoë', ssn FROM customers WHERE id = $1";
        String expected = documented(previous, "statement", "s-1", "7", text, "[\"42\"]", "masked", null, "v3", null,
                "1796640000000001", "1796640000000999", "1", null, null, "118", "{\"rows\":[[\"***\"]]}");

        String actual = AuditHash.statement(previous, "s-1", 7, text, "[\"42\"]", "masked", null, "v3", null,
                1796640000000001L, 1796640000000999L, 1L, null, null, 118L, "{\"rows\":[[\"***\"]]}");

        assertEquals(expected, actual);
    }

    @Test
    void aNullFieldAndAnEmptyOneHashDifferently() {
        String previous = AuditHash.GENESIS;
        assertNotEquals(
                AuditHash.sessionEnd(previous, 1L, "client closed", 0, 0L, 0L, null),
                AuditHash.sessionEnd(previous, 1L, "client closed", 0, 0L, 0L, ""));
    }
}
