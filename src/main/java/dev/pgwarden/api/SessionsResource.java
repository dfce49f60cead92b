package dev.pgwarden.api;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;
import jakarta.ws.rs.BadRequestException;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.StreamingOutput;

import dev.pgwarden.api.AuditViews.SessionDetail;
import dev.pgwarden.api.AuditViews.SessionView;
import dev.pgwarden.api.AuditViews.StatementView;
import dev.pgwarden.approvals.ApprovalRequest;
import dev.pgwarden.audit.AuditSession;
import dev.pgwarden.audit.AuditStatement;
import dev.pgwarden.audit.TrailExport;
import io.quarkus.security.Authenticated;
import io.smallrye.common.annotation.Blocking;

/** The recorded sessions: a filtered list and one session's full timeline (auditor groups only). */
@Path("/api/sessions")
@Authenticated
@Blocking
@Produces(MediaType.APPLICATION_JSON)
public class SessionsResource {
    static final int MAX_LIMIT = 1000;

    @Inject
    GroupAccess access;
    @Inject
    StoreCursor cursor;

    /**
     * Sessions, newest first. {@code from}/{@code to} bound the start time (ISO-8601 instants),
     * {@code decision} keeps sessions with at least one statement of that decision (refused, masked...).
     */
    @GET
    public List<SessionView> list(@QueryParam("subject") String subject, @QueryParam("from") String from,
            @QueryParam("to") String to, @QueryParam("decision") String decision,
            @QueryParam("limit") @DefaultValue("100") int limit) {
        access.requireAuditor();
        StringBuilder q = new StringBuilder("from AuditSession s where 1 = 1");
        Map<String, Object> params = new HashMap<>();
        if (subject != null && !subject.isEmpty()) {
            q.append(" and s.subject = :subject");
            params.put("subject", subject);
        }
        if (from != null && !from.isEmpty()) {
            q.append(" and s.startedAt >= :from");
            params.put("from", instant("from", from));
        }
        if (to != null && !to.isEmpty()) {
            q.append(" and s.startedAt < :to");
            params.put("to", instant("to", to));
        }
        if (decision != null && !decision.isEmpty()) {
            q.append(" and exists (from AuditStatement st where st.sessionId = s.id and st.decision = :decision)");
            params.put("decision", decision);
        }
        q.append(" order by s.startedAt desc, s.id");
        List<AuditSession> sessions = AuditSession.<AuditSession>find(q.toString(), params)
                .page(0, limit(limit)).list();
        return sessions.stream().map(SessionView::of).toList();
    }

    /**
     * One session with its statements in order (from {@code fromSeq}, at most {@code limit}: page
     * long sessions) and the approval requests it made.
     */
    @GET
    @Path("/{id}")
    public SessionDetail get(@PathParam("id") String id, @QueryParam("fromSeq") @DefaultValue("1") int fromSeq,
            @QueryParam("limit") @DefaultValue("1000") int limit) {
        access.requireAuditor();
        AuditSession s = AuditSession.findById(id);
        if (s == null) {
            throw new NotFoundException("no recorded session " + id);
        }
        List<StatementView> statements = AuditStatement.ofSession(id, fromSeq, limit(limit)).stream()
                .map(StatementView::of).toList();
        List<ApprovalsResource.ApprovalView> approvals = ApprovalRequest.<ApprovalRequest>list(
                "sessionId = ?1 order by createdAt", id).stream().map(ApprovalsResource.ApprovalView::of).toList();
        return new SessionDetail(SessionView.of(s), statements, approvals);
    }

    /** One session with its statements and its global chain entry, as JSON Lines or CSV (one row per statement). */
    @GET
    @Path("/{id}/export")
    public Response export(@PathParam("id") String id, @QueryParam("format") @DefaultValue("jsonl") String format) {
        access.requireAuditor();
        if (!"jsonl".equals(format) && !"csv".equals(format)) {
            throw new BadRequestException("format must be jsonl or csv");
        }
        if (AuditSession.findById(id) == null) {
            throw new NotFoundException("no recorded session " + id);
        }
        boolean csv = "csv".equals(format);
        StreamingOutput body = out -> cursor.stream(c -> {
            if (csv) {
                TrailExport.csv(c, null, null, id, out);
            } else {
                TrailExport.jsonl(c, null, null, id, out);
            }
        });
        return Response.ok(body, csv ? "text/csv; charset=utf-8" : AuditResource.JSONL)
                .header("Content-Disposition", "attachment; filename=\"session-" + id + "." + format + "\"").build();
    }

    static Instant instant(String name, String value) {
        try {
            return Instant.parse(value);
        } catch (DateTimeParseException e) {
            throw new BadRequestException(name + " must be an ISO-8601 instant such as 2025-01-31T00:00:00Z");
        }
    }

    private static int limit(int limit) {
        if (limit < 1 || limit > MAX_LIMIT) {
            throw new BadRequestException("limit must be between 1 and " + MAX_LIMIT);
        }
        return limit;
    }
}
