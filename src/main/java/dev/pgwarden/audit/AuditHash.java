package dev.pgwarden.audit;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The tamper-evident chains: every record's hash is SHA-256 over the previous record's hash and
 * the record's fields, each field written as a 4-byte length (-1 for null) and its UTF-8 bytes
 * (numbers and timestamps as decimal text, timestamps in microseconds since 1970). The writer,
 * {@code audit verify} and anyone checking an export offline compute exactly this.
 *
 * <ul>
 * <li>session start: {@code H(GENESIS; "session", id, subject, groups, role, client_address, tls, started_at)}</li>
 * <li>statement n: {@code H(hash of n-1 or of the start; "statement", session_id, seq, text, parameters, decision,
 * rule, policy_version, approval_id, started_at, finished_at, row_count, sql_state, message, byte_count, result)}</li>
 * <li>session end: {@code H(last statement's hash; "end", ended_at, end_reason, statement_count, row_count, byte_count,
 * application_name)} (the name the server last reported: clients may set it after logging in)</li>
 * <li>global chain entry: {@code H(previous entry's hash or GENESIS; "chain", seq, kind, session_id, session_hash, detail, created_at)}</li>
 * </ul>
 */
public final class AuditHash {
    /** The hash before the first record of every chain. */
    public static final String GENESIS = "0".repeat(64);
    private static final HexFormat HEX = HexFormat.of();

    /** One digest per thread: looking the algorithm up costs more than hashing a record. */
    private static final ThreadLocal<MessageDigest> DIGESTS = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 unavailable", e);
        }
    });

    private final MessageDigest digest;
    private final byte[] lengthBytes = new byte[4];

    /** A thread computes one hash at a time: {@link #hex()} ends it (and resets the digest). */
    private AuditHash(String previous, String kind) {
        digest = DIGESTS.get();
        digest.reset();
        add(previous);
        add(kind);
    }

    /** Starts the hash of a record of {@code kind} that follows the record hashed {@code previous}. */
    public static AuditHash after(String previous, String kind) {
        return new AuditHash(previous, kind);
    }

    public AuditHash add(String value) {
        if (value == null) {
            length(-1);
        } else {
            byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
            length(bytes.length);
            digest.update(bytes);
        }
        return this;
    }

    public AuditHash add(long value) {
        return add(Long.toString(value));
    }

    public AuditHash add(Long value) {
        return add(value == null ? null : value.toString());
    }

    public AuditHash add(boolean value) {
        return add(value ? "t" : "f");
    }

    private void length(int n) {
        // one update of four bytes: four single-byte updates cost a third of hashing a statement record
        lengthBytes[0] = (byte) (n >>> 24);
        lengthBytes[1] = (byte) (n >>> 16);
        lengthBytes[2] = (byte) (n >>> 8);
        lengthBytes[3] = (byte) n;
        digest.update(lengthBytes, 0, 4);
    }

    public String hex() {
        return HEX.formatHex(digest.digest());
    }

    // ---- the record kinds, shared by the writer and the verifier ----

    public static String sessionStart(String id, String subject, String groups, String role, String clientAddress,
            boolean tls, long startedAtMicros) {
        return after(GENESIS, "session").add(id).add(subject).add(groups).add(role).add(clientAddress)
                .add(tls).add(startedAtMicros).hex();
    }

    public static String statement(String previous, String sessionId, int seq, String text, String parameters,
            String decision, String rule, String policyVersion, String approvalId, long startedAtMicros,
            long finishedAtMicros, Long rowCount, String sqlState, String message, long byteCount, String result) {
        return after(previous, "statement").add(sessionId).add(seq).add(text).add(parameters).add(decision)
                .add(rule).add(policyVersion).add(approvalId).add(startedAtMicros).add(finishedAtMicros)
                .add(rowCount).add(sqlState).add(message).add(byteCount).add(result).hex();
    }

    public static String sessionEnd(String previous, long endedAtMicros, String endReason, int statementCount,
            long rowCount, long byteCount, String applicationName) {
        return after(previous, "end").add(endedAtMicros).add(endReason).add(statementCount).add(rowCount)
                .add(byteCount).add(applicationName).hex();
    }

    public static String chainEntry(String previous, long seq, String kind, String sessionId, String sessionHash,
            String detail, long createdAtMicros) {
        return after(previous, "chain").add(seq).add(kind).add(sessionId).add(sessionHash).add(detail)
                .add(createdAtMicros).hex();
    }
}
