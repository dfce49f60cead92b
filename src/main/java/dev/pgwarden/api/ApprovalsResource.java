package dev.pgwarden.api;

import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

import jakarta.inject.Inject;
import jakarta.ws.rs.BadRequestException;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.ForbiddenException;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.jwt.JsonWebToken;

import dev.pgwarden.approvals.ApprovalDecider;
import dev.pgwarden.approvals.ApprovalRequest;
import dev.pgwarden.approvals.ApprovalStatus;
import dev.pgwarden.approvals.ApprovalStore;
import dev.pgwarden.approvals.Approver;
import dev.pgwarden.budgets.BudgetCheck;
import dev.pgwarden.config.GatewayConfig;
import io.quarkus.security.Authenticated;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.common.annotation.Blocking;

/**
 * Approval requests for people: approvers list and decide them (the console uses this too),
 * admins and auditors may read them. The Slack callback decides through the same
 * {@link ApprovalDecider}, so the rules (once only, never your own) are the same everywhere.
 */
@Path("/api/approvals")
@Authenticated
@Blocking
@Produces(MediaType.APPLICATION_JSON)
public class ApprovalsResource {
    private static final int MAX_LIST = 500;

    @Inject
    ApprovalStore store;
    @Inject
    ApprovalDecider decider;
    @Inject
    SecurityIdentity identity;
    @Inject
    GatewayConfig config;
    @Inject
    Permissions permissions;

    /** @param budget the budget the subject had spent, when that is why the statement was held; else null */
    public record ApprovalView(String id, ApprovalStatus status, String subject, List<String> groups,
            String clientAddress, String sessionId, String database, String statement, Long estimatedRows,
            String rule, String policyVersion, Instant createdAt, Instant expiresAt, String decidedBy,
            Instant decidedAt, String reason, Instant grantUntil, String budget) {

        static ApprovalView of(ApprovalRequest r) {
            return new ApprovalView(r.id, r.status, r.requesterSubject, r.groups(), r.clientAddress, r.sessionId,
                    r.databaseName, r.statement, r.estimatedRows, r.rule, r.policyVersion, r.createdAt, r.expiresAt,
                    r.decidedBy, r.decidedAt, r.reason, r.grantUntil,
                    r.fingerprint.startsWith(BudgetCheck.GRANT_PREFIX) ? r.rule : null);
        }
    }

    public record DecisionRequest(String reason) {
    }

    public record DecisionResponse(ApprovalDecider.Result result, ApprovalStatus status, String message) {
    }

    @GET
    public List<ApprovalView> list(@QueryParam("status") String status, @QueryParam("limit") Integer limit) {
        requireReader();
        Optional<ApprovalStatus> wanted = Optional.ofNullable(status).filter(s -> !s.isBlank()).map(s -> {
            try {
                return ApprovalStatus.valueOf(s.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new BadRequestException("unknown status " + s);
            }
        });
        int n = limit == null ? 100 : Math.max(1, Math.min(limit, MAX_LIST));
        return store.list(wanted, n).stream().map(ApprovalView::of).toList();
    }

    @GET
    @Path("/{id}")
    public ApprovalView get(@PathParam("id") String id) {
        requireReader();
        return store.find(id).map(ApprovalView::of).orElseThrow(() -> new NotFoundException("no approval " + id));
    }

    @POST
    @Path("/{id}/approve")
    @Consumes(MediaType.WILDCARD)
    public DecisionResponse approve(@PathParam("id") String id, DecisionRequest body) {
        return decide(id, true, body);
    }

    @POST
    @Path("/{id}/deny")
    @Consumes(MediaType.WILDCARD)
    public DecisionResponse deny(@PathParam("id") String id, DecisionRequest body) {
        return decide(id, false, body);
    }

    private DecisionResponse decide(String id, boolean approve, DecisionRequest body) {
        if (!permissions.of(identity).approve()) {
            throw new ForbiddenException("deciding approvals requires membership of one of "
                    + config.approvals().approverGroups());
        }
        ApprovalDecider.Outcome o = decider.decide(id, approver(), approve, body == null ? null : body.reason());
        if (o.result() == ApprovalDecider.Result.NOT_FOUND) {
            throw new NotFoundException(o.message());
        }
        return new DecisionResponse(o.result(), o.status(), o.message());
    }

    /**
     * Every name the caller is known by (from the token the identity was verified with: the
     * access token of a script, the ID token of a console login), so the requester is recognised
     * whichever claim named them.
     */
    private Approver approver() {
        Set<String> names = new LinkedHashSet<>();
        names.add(identity.getPrincipal().getName());
        if (identity.getPrincipal() instanceof JsonWebToken verified) {
            if (verified.getSubject() != null) {
                names.add(verified.getSubject());
            }
            Object email = verified.getClaim("email");
            if (email != null) {
                names.add(email.toString());
            }
        }
        return new Approver(identity.getPrincipal().getName(), Set.copyOf(names));
    }

    private void requireReader() {
        if (!permissions.of(identity).readApprovals()) {
            throw new ForbiddenException("reading approvals requires membership of one of "
                    + config.approvals().approverGroups() + " or " + config.api().adminGroups());
        }
    }
}
