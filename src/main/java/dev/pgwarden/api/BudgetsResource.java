package dev.pgwarden.api;

import jakarta.inject.Inject;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.BadRequestException;
import jakarta.ws.rs.core.MediaType;

import dev.pgwarden.budgets.BudgetReport;
import io.quarkus.security.Authenticated;
import io.smallrye.common.annotation.Blocking;

/**
 * Per-identity budgets: each budget of the active policy with every subject's usage in the last 60
 * minutes (this replica's view, which includes every replica's usage up to the last flush) and the
 * latest crossings (admin and auditor groups).
 */
@Path("/api/budgets")
@Authenticated
@Blocking
public class BudgetsResource {
    @Inject
    GroupAccess access;
    @Inject
    BudgetReport report;

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public BudgetReport.Report budgets(@QueryParam("crossings") @DefaultValue("50") int crossings) throws Exception {
        access.requireAdminOrAuditor();
        if (crossings < 0 || crossings > 1000) {
            throw new BadRequestException("crossings must be between 0 and 1000");
        }
        return report.report(crossings);
    }
}
