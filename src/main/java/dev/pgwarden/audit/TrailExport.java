package dev.pgwarden.audit;

import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.OffsetDateTime;
import java.util.Locale;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.MinimalPrettyPrinter;

/**
 * Writes the trail as it streams out of the store: JSON Lines (one record per line, each with a
 * {@code type}: session, statement, chain, approval) or CSV (one row per statement). Every record
 * carries its hashes and every field they cover, so an export can be verified offline with the
 * rules in {@link AuditHash}. Nothing is buffered beyond one record.
 */
public final class TrailExport {
    private static final JsonFactory JSON = new JsonFactory();
    private static final String[] CSV_HEADER = { "session_id", "seq", "subject", "role", "client_address",
            "started_at", "finished_at", "text", "parameters", "decision", "rule", "policy_version", "approval_id",
            "rows", "sql_state", "message", "bytes", "result", "hash", "session_start_hash", "session_final_hash" };

    private TrailExport() {
    }

    /**
     * JSON Lines of the sessions started in {@code [from, to)} (or one session) with their
     * statements, then the global chain entries of that range and, when the approvals table
     * exists, the approval requests of that range. {@code c} must not be in autocommit mode.
     */
    public static void jsonl(Connection c, OffsetDateTime from, OffsetDateTime to, String sessionId, OutputStream out)
            throws Exception {
        JsonGenerator g = JSON.createGenerator(out, JsonEncoding.UTF8);
        g.setPrettyPrinter(new MinimalPrettyPrinter("\n"));
        TrailReader.sessions(c, from, to, sessionId, new TrailReader.SessionVisitor() {
            @Override
            public void session(TrailReader.SessionRow s) throws IOException {
                g.writeStartObject();
                g.writeStringField("type", "session");
                g.writeStringField("id", s.id());
                g.writeStringField("subject", s.subject());
                g.writeFieldName("groups");
                g.writeRawValue(s.groups());
                g.writeStringField("role", s.role());
                g.writeStringField("clientAddress", s.clientAddress());
                g.writeStringField("applicationName", s.applicationName());
                g.writeBooleanField("tls", s.tls());
                time(g, "startedAt", s.startedAt());
                time(g, "endedAt", s.endedAt());
                g.writeStringField("endReason", s.endReason());
                number(g, "statements", s.statementCount() == null ? null : s.statementCount().longValue());
                number(g, "rows", s.rowCount());
                number(g, "bytes", s.byteCount());
                g.writeStringField("startHash", s.startHash());
                g.writeStringField("finalHash", s.finalHash());
                g.writeEndObject();
            }

            @Override
            public void statement(TrailReader.SessionRow s, TrailReader.StatementRow st) throws IOException {
                g.writeStartObject();
                g.writeStringField("type", "statement");
                g.writeStringField("sessionId", st.sessionId());
                g.writeNumberField("seq", st.seq());
                g.writeStringField("text", st.text());
                raw(g, "parameters", st.parameters());
                g.writeStringField("decision", st.decision());
                g.writeStringField("rule", st.rule());
                g.writeStringField("policyVersion", st.policyVersion());
                g.writeStringField("approvalId", st.approvalId());
                time(g, "startedAt", st.startedAt());
                time(g, "finishedAt", st.finishedAt());
                number(g, "rows", st.rowCount());
                g.writeStringField("sqlState", st.sqlState());
                g.writeStringField("message", st.message());
                g.writeNumberField("bytes", st.byteCount());
                raw(g, "result", st.result());
                g.writeStringField("hash", st.hash());
                g.writeEndObject();
            }
        });
        TrailReader.chain(c, from, to, sessionId, e -> {
            g.writeStartObject();
            g.writeStringField("type", "chain");
            g.writeNumberField("seq", e.seq());
            g.writeStringField("kind", e.kind());
            g.writeStringField("sessionId", e.sessionId());
            g.writeStringField("sessionHash", e.sessionHash());
            raw(g, "detail", e.detail());
            time(g, "createdAt", e.createdAt());
            g.writeStringField("prevHash", e.prevHash());
            g.writeStringField("hash", e.hash());
            g.writeEndObject();
        });
        approvals(c, from, to, sessionId, g);
        g.writeRaw('\n');
        g.flush();
    }

    /** Approval requests (table {@code pgwarden.approval_request}, when it exists), column by column. */
    private static void approvals(Connection c, OffsetDateTime from, OffsetDateTime to, String sessionId,
            JsonGenerator g) throws SQLException, IOException {
        try (PreparedStatement ps = c.prepareStatement("SELECT to_regclass('pgwarden.approval_request') IS NOT NULL");
                ResultSet rs = ps.executeQuery()) {
            if (!rs.next() || !rs.getBoolean(1)) {
                return;
            }
        }
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT * FROM pgwarden.approval_request
                WHERE created_at >= ? AND created_at < ? AND (?::text IS NULL OR session_id::text = ?)
                ORDER BY created_at, id""")) {
            ps.setFetchSize(500);
            ps.setObject(1, from != null ? from : OffsetDateTime.parse("0001-01-01T00:00:00Z"));
            ps.setObject(2, to != null ? to : OffsetDateTime.parse("9999-01-01T00:00:00Z"));
            ps.setString(3, sessionId);
            ps.setString(4, sessionId);
            try (ResultSet rs = ps.executeQuery()) {
                ResultSetMetaData md = rs.getMetaData();
                while (rs.next()) {
                    g.writeStartObject();
                    g.writeStringField("type", "approval");
                    for (int i = 1; i <= md.getColumnCount(); i++) {
                        g.writeFieldName(camel(md.getColumnLabel(i)));
                        writeValue(g, rs.getObject(i));
                    }
                    g.writeEndObject();
                }
            }
        }
    }

    private static void writeValue(JsonGenerator g, Object v) throws IOException, SQLException {
        if (v == null) {
            g.writeNull();
        } else if (v instanceof Number n) {
            g.writeNumber(n.toString());
        } else if (v instanceof Boolean b) {
            g.writeBoolean(b);
        } else if (v instanceof Timestamp t) {
            g.writeString(t.toInstant().toString());
        } else if (v instanceof java.sql.Array a) {
            g.writeStartArray();
            for (Object o : (Object[]) a.getArray()) {
                writeValue(g, o);
            }
            g.writeEndArray();
        } else {
            g.writeString(v.toString());
        }
    }

    /** One CSV row per statement of the sessions in range (RFC 4180 quoting), with the hashes. */
    public static void csv(Connection c, OffsetDateTime from, OffsetDateTime to, String sessionId, OutputStream out)
            throws Exception {
        Writer w = new OutputStreamWriter(out, StandardCharsets.UTF_8);
        row(w, CSV_HEADER);
        TrailReader.sessions(c, from, to, sessionId, new TrailReader.SessionVisitor() {
            @Override
            public void session(TrailReader.SessionRow s) {
            }

            @Override
            public void statement(TrailReader.SessionRow s, TrailReader.StatementRow st) throws IOException {
                row(w, new String[] { st.sessionId(), Integer.toString(st.seq()), s.subject(), s.role(),
                        s.clientAddress(), Micros.toInstant(st.startedAt()).toString(),
                        Micros.toInstant(st.finishedAt()).toString(), st.text(), st.parameters(), st.decision(),
                        st.rule(), st.policyVersion(), st.approvalId(), str(st.rowCount()), st.sqlState(),
                        st.message(), Long.toString(st.byteCount()), st.result(), st.hash(), s.startHash(),
                        s.finalHash() });
            }
        });
        w.flush();
    }

    private static void row(Writer w, String[] fields) throws IOException {
        for (int i = 0; i < fields.length; i++) {
            if (i > 0) {
                w.write(',');
            }
            String f = fields[i];
            if (f == null) {
                continue;
            }
            if (f.indexOf(',') >= 0 || f.indexOf('"') >= 0 || f.indexOf('\n') >= 0 || f.indexOf('\r') >= 0) {
                w.write('"');
                w.write(f.replace("\"", "\"\""));
                w.write('"');
            } else {
                w.write(f);
            }
        }
        w.write("\r\n");
    }

    private static String str(Long v) {
        return v == null ? null : v.toString();
    }

    private static void time(JsonGenerator g, String name, Long micros) throws IOException {
        if (micros == null) {
            g.writeNullField(name);
        } else {
            g.writeStringField(name, Micros.toInstant(micros).toString());
        }
    }

    private static void number(JsonGenerator g, String name, Long v) throws IOException {
        if (v == null) {
            g.writeNullField(name);
        } else {
            g.writeNumberField(name, v);
        }
    }

    private static void raw(JsonGenerator g, String name, String json) throws IOException {
        g.writeFieldName(name);
        if (json == null) {
            g.writeNull();
        } else {
            g.writeRawValue(json);
        }
    }

    private static String camel(String column) {
        StringBuilder sb = new StringBuilder();
        boolean up = false;
        for (char ch : column.toLowerCase(Locale.ROOT).toCharArray()) {
            if (ch == '_') {
                up = true;
            } else {
                sb.append(up ? Character.toUpperCase(ch) : ch);
                up = false;
            }
        }
        return sb.toString();
    }
}
