package dev.pgwarden.audit;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * {@code audit verify}: recomputes every hash of the trail from the stored fields and names the
 * first link that does not hold. Per session: the start record, each statement in sequence (a
 * missing number is a break), the end; then the global chain: each entry's predecessor and hash,
 * that the session it names exists with that final hash, that the head is its last entry, and that
 * its first entry is the genesis or the anchor the latest retention record names. Streams, so it
 * runs in flat memory however large the trail.
 */
public final class ChainVerifier {
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * @param record    "session", "statement", "session end" or "chain"
     * @param sessionId the session concerned, if any
     * @param seq       the statement's or chain entry's number, if any
     */
    public record Broken(String record, String sessionId, Long seq, String problem) {
        public String describe() {
            return record + (seq != null ? " " + seq : "") + (sessionId != null ? " of session " + sessionId : "")
                    + ": " + problem;
        }
    }

    /** The outcome; {@code firstBroken} is null when everything verifies. */
    public record Report(boolean ok, long sessions, long statements, long chainEntries, long brokenLinks,
            Broken firstBroken) {
    }

    private long sessions;
    private long statements;
    private long chainEntries;
    private long brokenCount;
    private Broken first;

    private ChainVerifier() {
    }

    /** Verifies the whole trail over {@code c} (which this leaves in a read-only transaction, then rolls back). */
    public static Report verify(Connection c) throws Exception {
        boolean autoCommit = c.getAutoCommit();
        c.setAutoCommit(false);
        try {
            ChainVerifier v = new ChainVerifier();
            v.sessions(c);
            v.chain(c);
            return new Report(v.first == null, v.sessions, v.statements, v.chainEntries, v.brokenCount, v.first);
        } finally {
            c.rollback();
            c.setAutoCommit(autoCommit);
        }
    }

    private void broken(String record, String sessionId, Long seq, String problem) {
        brokenCount++;
        if (first == null) {
            first = new Broken(record, sessionId, seq, problem);
        }
    }

    private void sessions(Connection c) throws Exception {
        var state = new Object() {
            TrailReader.SessionRow session;
            String hash;
            int seq;
        };
        TrailReader.sessions(c, null, null, null, new TrailReader.SessionVisitor() {
            @Override
            public void session(TrailReader.SessionRow s) {
                if (state.session != null) {
                    ended(state.session, state.hash, state.seq);
                }
                sessions++;
                state.session = s;
                state.seq = 0;
                state.hash = AuditHash.sessionStart(s.id(), s.subject(), s.groups(), s.role(), s.clientAddress(),
                        s.tls(), s.startedAt());
                if (!state.hash.equals(s.startHash())) {
                    broken("session", s.id(), null, "the session record does not match its hash");
                    state.hash = s.startHash(); // go on from what is stored, to find further breaks
                }
            }

            @Override
            public void statement(TrailReader.SessionRow s, TrailReader.StatementRow st) {
                statements++;
                if (st.seq() != state.seq + 1) {
                    broken("statement", s.id(), (long) state.seq + 1, "missing (the next stored is " + st.seq() + ")");
                }
                state.seq = st.seq();
                String h = AuditHash.statement(state.hash, st.sessionId(), st.seq(), st.text(), st.parameters(),
                        st.decision(), st.rule(), st.policyVersion(), st.approvalId(), st.startedAt(), st.finishedAt(),
                        st.rowCount(), st.sqlState(), st.message(), st.byteCount(), st.result());
                if (!h.equals(st.hash())) {
                    broken("statement", s.id(), (long) st.seq(),
                            "its content or its predecessor does not match its hash");
                }
                state.hash = st.hash();
            }
        });
        if (state.session != null) {
            ended(state.session, state.hash, state.seq);
        }
        orphans(c);
    }

    private void ended(TrailReader.SessionRow s, String lastHash, int lastSeq) {
        if (s.endedAt() == null && s.finalHash() == null) {
            return; // still open (or its gateway died): nothing more to check
        }
        if (s.endedAt() == null || s.finalHash() == null || s.statementCount() == null || s.rowCount() == null
                || s.byteCount() == null) {
            broken("session end", s.id(), null, "the end record is incomplete");
            return;
        }
        if (s.statementCount() != lastSeq) {
            broken("session end", s.id(), null, "it counts " + s.statementCount() + " statements, the trail has "
                    + lastSeq);
        }
        String h = AuditHash.sessionEnd(lastHash, s.endedAt(), s.endReason(), s.statementCount(), s.rowCount(),
                s.byteCount(), s.applicationName());
        if (!h.equals(s.finalHash())) {
            broken("session end", s.id(), null, "the end record or the last statement does not match its hash");
        }
        if (!s.chained()) {
            broken("session end", s.id(), null, "the session ended but is missing from the global chain");
        }
    }

    /** Statements whose session record is gone. */
    private void orphans(Connection c) throws Exception {
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT st.session_id, min(st.seq) FROM pgwarden.audit_statement st
                WHERE NOT EXISTS (SELECT 1 FROM pgwarden.audit_session s WHERE s.id = st.session_id)
                GROUP BY st.session_id ORDER BY 1""");
                ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                broken("session", rs.getString(1), null, "its record is missing (statements from "
                        + rs.getInt(2) + " on remain)");
            }
        }
    }

    private void chain(Connection c) throws Exception {
        String[] anchor = retentionAnchor(c);
        var state = new Object() {
            long seq;
            String hash;
        };
        TrailReader.chain(c, null, null, null, e -> {
            chainEntries++;
            if (state.hash == null) {
                boolean genesis = e.seq() == 1 && AuditHash.GENESIS.equals(e.prevHash());
                boolean anchored = anchor != null && Long.toString(e.seq()).equals(anchor[0])
                        && e.prevHash().equals(anchor[1]);
                if (!genesis && !anchored) {
                    broken("chain", e.sessionId(), e.seq(), "the chain's first entry is neither its beginning nor "
                            + "where the latest retention record says it starts (entries before it are missing)");
                }
            } else {
                if (e.seq() != state.seq + 1) {
                    broken("chain", null, state.seq + 1, "missing (the next stored is " + e.seq() + ")");
                }
                if (!e.prevHash().equals(state.hash)) {
                    broken("chain", e.sessionId(), e.seq(), "it does not follow the entry before it");
                }
            }
            String h = AuditHash.chainEntry(e.prevHash(), e.seq(), e.kind(), e.sessionId(), e.sessionHash(),
                    e.detail(), e.createdAt());
            if (!h.equals(e.hash())) {
                broken("chain", e.sessionId(), e.seq(), "its content does not match its hash");
            }
            if ("session".equals(e.kind())) {
                if (!e.sessionExists()) {
                    broken("chain", e.sessionId(), e.seq(), "the session it names is missing");
                } else if (!e.sessionHash().equals(e.sessionFinalHash())) {
                    broken("chain", e.sessionId(), e.seq(), "the session's final hash differs from the one chained");
                }
            }
            state.seq = e.seq();
            state.hash = e.hash();
        });
        try (PreparedStatement ps = c.prepareStatement("SELECT seq, hash FROM pgwarden.audit_chain_head WHERE id = 1");
                ResultSet rs = ps.executeQuery()) {
            if (!rs.next()) {
                broken("chain", null, null, "its head record is missing");
            } else if (rs.getLong(1) != state.seq
                    || !rs.getString(2).equals(state.hash == null ? AuditHash.GENESIS : state.hash)) {
                broken("chain", null, rs.getLong(1), "the head names entry " + rs.getLong(1)
                        + ", the last stored is " + state.seq + " (entries at the end are missing or altered)");
            }
        }
    }

    /** {seq, prevHash} of the first entry the latest retention run kept, or null if none ran. */
    private static String[] retentionAnchor(Connection c) throws Exception {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT detail FROM pgwarden.audit_chain WHERE kind = 'retention' ORDER BY seq DESC LIMIT 1");
                ResultSet rs = ps.executeQuery()) {
            if (!rs.next()) {
                return null;
            }
            JsonNode d = JSON.readTree(rs.getString(1));
            return new String[] { d.path("anchorSeq").asText(), d.path("anchorPrevHash").asText() };
        }
    }
}
