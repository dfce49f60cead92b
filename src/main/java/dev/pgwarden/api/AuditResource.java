package dev.pgwarden.api;

import java.sql.Connection;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;

import jakarta.inject.Inject;
import jakarta.ws.rs.BadRequestException;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.StreamingOutput;

import dev.pgwarden.audit.ChainVerifier;
import dev.pgwarden.audit.TrailExport;
import io.agroal.api.AgroalDataSource;
import io.quarkus.security.Authenticated;
import io.smallrye.common.annotation.Blocking;

/** The whole trail: a streaming export for auditors and {@code audit verify} (auditor groups only). */
@Path("/api/audit")
@Authenticated
@Blocking
public class AuditResource {
    static final String JSONL = "application/x-ndjson";

    @Inject
    GroupAccess access;
    @Inject
    AgroalDataSource dataSource;
    @Inject
    StoreCursor cursor;

    /**
     * Sessions started in {@code [from, to)} with their statements, the global chain entries and
     * approval requests of that range, as JSON Lines, streamed straight from a database cursor.
     */
    @GET
    @Path("/export")
    public Response export(@QueryParam("from") String from, @QueryParam("to") String to,
            @QueryParam("format") @DefaultValue("jsonl") String format) {
        access.requireAuditor();
        if (!"jsonl".equals(format)) {
            throw new BadRequestException("format must be jsonl");
        }
        OffsetDateTime f = time("from", from);
        OffsetDateTime t = time("to", to);
        StreamingOutput body = out -> cursor.stream(c -> TrailExport.jsonl(c, f, t, null, out));
        return Response.ok(body, JSONL).header("Content-Disposition", "attachment; filename=\"audit.jsonl\"").build();
    }

    /** Recomputes every chain; names the first broken link. */
    @GET
    @Path("/verify")
    @Produces(MediaType.APPLICATION_JSON)
    public ChainVerifier.Report verify() throws Exception {
        access.requireAuditor();
        try (Connection c = dataSource.getConnection()) {
            return ChainVerifier.verify(c);
        }
    }

    static OffsetDateTime time(String name, String value) {
        return value == null || value.isEmpty() ? null
                : SessionsResource.instant(name, value).atOffset(ZoneOffset.UTC);
    }
}
