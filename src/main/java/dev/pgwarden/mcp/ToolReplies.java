package dev.pgwarden.mcp;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.util.List;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.pgwarden.loopback.StatementOutcome;
import dev.pgwarden.masking.Field;
import dev.pgwarden.masking.TypeClass;
import dev.pgwarden.wire.PgError;
import dev.pgwarden.wire.PgTypeNames;
import io.quarkiverse.mcp.server.TextContent;
import io.quarkiverse.mcp.server.ToolResponse;

/**
 * Turns what a statement returned into a tool result a model reads well: one compact JSON text.
 * Rows are arrays in column order, values typed from the column's type (numbers, booleans, JSON
 * documents as JSON; everything else PostgreSQL's text form), SQL NULL as null. A refusal or SQL
 * error is a tool error carrying the SQLSTATE and the message exactly as the gateway sent it.
 */
final class ToolReplies {
    private static final JsonFactory JSON = new JsonFactory();
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final int rowCap;

    ToolReplies(int rowCap) {
        this.rowCap = rowCap;
    }

    /** The result of a statement: its rows, or its error. */
    ToolResponse result(StatementOutcome o, String approvalId) {
        if (o.error() != null) {
            return error(o.error(), approvalId, o.notices());
        }
        return success(json(g -> {
            g.writeStartObject();
            writeColumns(g, o.columns());
            g.writeArrayFieldStart("rows");
            for (List<String> row : o.rows()) {
                g.writeStartArray();
                for (int i = 0; i < row.size(); i++) {
                    writeValue(g, i < o.columns().size() ? o.columns().get(i).typeOid() : 0, row.get(i));
                }
                g.writeEndArray();
            }
            g.writeEndArray();
            g.writeNumberField("row_count", o.rows().size());
            writeTruncation(g, o.truncated());
            g.writeStringField("command", o.commandTag());
            writeApprovalAndNotices(g, approvalId, o.notices());
            g.writeEndObject();
        }));
    }

    /** A tool error: SQLSTATE, message, detail and hint of an ErrorResponse. */
    ToolResponse error(PgError e, String approvalId, List<PgError> notices) {
        return new ToolResponse(true, List.of(new TextContent(json(g -> {
            g.writeStartObject();
            g.writeObjectFieldStart("error");
            g.writeStringField("sqlstate", e.sqlState());
            g.writeStringField("message", e.message());
            writeIfPresent(g, "detail", e.detail());
            writeIfPresent(g, "hint", e.hint());
            g.writeEndObject();
            writeApprovalAndNotices(g, approvalId, notices);
            g.writeEndObject();
        }))));
    }

    /** A statement that still waits for a person's decision. */
    ToolResponse pending(McpSession.Held held, String reviewUrl, long waitedSeconds) {
        return success(json(g -> {
            g.writeStartObject();
            g.writeStringField("status", "pending_approval");
            g.writeStringField("approval_id", held.approvalId());
            g.writeStringField("rule", held.rule());
            g.writeStringField("review_url", reviewUrl);
            g.writeStringField("message", "pgwarden holds this statement until a person approves or denies it"
                    + (waitedSeconds > 0 ? " (waited " + waitedSeconds + " s)" : "")
                    + ". Call approval_status with this approval_id (or repeat the same call) to get its result;"
                    + " other statements of this session are refused until then.");
            g.writeEndObject();
        }));
    }

    /** Another statement of the session is held. */
    ToolResponse busy(McpSession.Held held, String reviewUrl) {
        return new ToolResponse(true, List.of(new TextContent(json(g -> {
            g.writeStartObject();
            g.writeObjectFieldStart("error");
            g.writeStringField("sqlstate", "55000");
            g.writeStringField("message", "this session waits for approval " + held.approvalId() + " (rule "
                    + held.rule() + ") of another statement; call approval_status with approval_id "
                    + held.approvalId() + " to get its result first");
            g.writeEndObject();
            g.writeStringField("approval_id", held.approvalId());
            g.writeStringField("review_url", reviewUrl);
            g.writeEndObject();
        }))));
    }

    static ToolResponse success(String json) {
        return new ToolResponse(false, List.of(new TextContent(json)));
    }

    static void writeColumns(JsonGenerator g, List<Field> columns) throws IOException {
        g.writeArrayFieldStart("columns");
        for (Field f : columns) {
            g.writeStartObject();
            g.writeStringField("name", f.name());
            g.writeStringField("type", PgTypeNames.of(f.typeOid()));
            g.writeEndObject();
        }
        g.writeEndArray();
    }

    void writeTruncation(JsonGenerator g, boolean truncated) throws IOException {
        g.writeBooleanField("truncated", truncated);
        if (truncated) {
            g.writeStringField("truncation", "only the first rows are returned (at most " + rowCap
                    + "); narrow the query with WHERE, LIMIT or aggregates to see the rest");
        }
    }

    private static void writeApprovalAndNotices(JsonGenerator g, String approvalId, List<PgError> notices)
            throws IOException {
        writeIfPresent(g, "approval_id", approvalId);
        if (!notices.isEmpty()) {
            g.writeArrayFieldStart("notices");
            for (PgError n : notices) {
                g.writeString(n.hint() == null ? n.message() : n.message() + " (" + n.hint() + ")");
            }
            g.writeEndArray();
        }
    }

    private static void writeIfPresent(JsonGenerator g, String name, String value) throws IOException {
        if (value != null) {
            g.writeStringField(name, value);
        }
    }

    /** A value in PostgreSQL's text form as the JSON value of its type. */
    static void writeValue(JsonGenerator g, int typeOid, String v) throws IOException {
        if (v == null) {
            g.writeNull();
            return;
        }
        switch (typeOid) {
            case PgTypeNames.BOOL -> g.writeBoolean("t".equals(v));
            case PgTypeNames.INT2, PgTypeNames.INT4, PgTypeNames.INT8, PgTypeNames.OID, PgTypeNames.FLOAT4,
                    PgTypeNames.FLOAT8, PgTypeNames.NUMERIC -> writeNumber(g, v);
            case TypeClass.JSON_OID, TypeClass.JSONB_OID -> writeJson(g, v);
            default -> g.writeString(v);
        }
    }

    private static void writeNumber(JsonGenerator g, String v) throws IOException {
        try {
            g.writeNumber(new BigDecimal(v)); // exact: no float rounding of numeric or int8
        } catch (NumberFormatException e) {
            g.writeString(v); // NaN, Infinity
        }
    }

    private static void writeJson(JsonGenerator g, String v) throws IOException {
        try {
            g.writeTree(MAPPER.readTree(v));
        } catch (IOException e) {
            g.writeString(v);
        }
    }

    interface JsonWriting {
        void write(JsonGenerator g) throws IOException;
    }

    static String json(JsonWriting body) {
        StringWriter out = new StringWriter();
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.setCodec(MAPPER);
            body.write(g);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }
}
