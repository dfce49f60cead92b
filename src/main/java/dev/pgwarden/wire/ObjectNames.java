package dev.pgwarden.wire;

import java.nio.charset.StandardCharsets;

/**
 * The names of a session's prepared statements, portals and cursors as PostgreSQL tells them apart,
 * so the gateway never takes two of PostgreSQL's objects for one, or one for two. PostgreSQL keeps
 * them in tables keyed by at most 63 bytes (NAMEDATALEN - 1): a protocol name (Parse, Bind, Close,
 * Describe, Execute) is cut at 63 bytes, even inside a character; an SQL identifier (PREPARE,
 * EXECUTE, DECLARE, FETCH, CLOSE, DEALLOCATE) is cut by the scanner to at most 63 bytes at a character
 * boundary. SQL-level and protocol names share one table per kind of object: {@code PREPARE p} and
 * a Parse of {@code p} are the same statement, {@code DECLARE c} and a Bind of portal {@code c} the
 * same portal.
 *
 * <p>A key is the name itself when it fits in 63 bytes (almost always: drivers name statements
 * {@code S_1}); a name cut inside a character is keyed by its bytes, behind a NUL, which no name
 * holds, so it can equal only another name cut to the same bytes.
 */
public final class ObjectNames {
    /** NAMEDATALEN - 1. */
    public static final int MAX_BYTES = 63;

    private ObjectNames() {
    }

    /** The key of a name as the client sent it in a protocol message. */
    public static String protocol(String name) {
        if (name.length() <= MAX_BYTES / 3) {
            return name; // at most 3 bytes per UTF-16 unit in UTF-8
        }
        byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
        if (bytes.length <= MAX_BYTES) {
            return name;
        }
        int cut = MAX_BYTES;
        if ((bytes[cut] & 0xC0) != 0x80) {
            return new String(bytes, 0, cut, StandardCharsets.UTF_8); // cut at a character boundary
        }
        return '\0' + new String(bytes, 0, cut, StandardCharsets.ISO_8859_1);
    }

    /**
     * The key of an SQL identifier, already case-folded (unquoted) or unescaped (quoted): cut to at
     * most 63 bytes at a character boundary, as PostgreSQL's scanner does.
     */
    public static String identifier(String name) {
        if (name.length() <= MAX_BYTES / 3) {
            return name;
        }
        byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
        if (bytes.length <= MAX_BYTES) {
            return name;
        }
        int cut = MAX_BYTES;
        while ((bytes[cut] & 0xC0) == 0x80) {
            cut--; // back to the first byte of the character that does not fit
        }
        return new String(bytes, 0, cut, StandardCharsets.UTF_8);
    }
}
