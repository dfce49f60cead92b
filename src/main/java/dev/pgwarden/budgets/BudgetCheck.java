package dev.pgwarden.budgets;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import dev.pgwarden.policy.Budget;
import dev.pgwarden.proxy.SessionInfo;
import dev.pgwarden.proxy.StatementGate.ApprovalNeed;
import dev.pgwarden.proxy.StatementGate.Approved;
import dev.pgwarden.proxy.StatementGate.Verdict;
import dev.pgwarden.proxy.StatementMeter;
import dev.pgwarden.wire.PgError;

/**
 * The budgets' part of every decision, cached or not: a statement some budget covers gets a meter
 * per statement, and when its subject has spent one of those budgets it is held for approval (the
 * budget's name as its rule), unless an approval with a grant window lifts that budget for the
 * subject. Reads only the ledger's memory; runs on the session's event loop.
 */
@ApplicationScoped
public class BudgetCheck {
    /**
     * The fingerprint of a budget hold's approval request: what its grant covers is the budget (for
     * that subject), not one statement text. {@code budget:<name>}; no SQL fingerprint looks like it.
     */
    public static final String GRANT_PREFIX = "budget:";
    static final String STALE_SQLSTATE = "53000";

    @Inject
    BudgetLedger ledger;
    @Inject
    BudgetMetrics metrics;

    /**
     * @param sql   the text as the client sent it (what an approver is shown)
     * @param scope the budgets each statement counts against ({@link BudgetScope#NONE}: the verdict as it is)
     */
    public Verdict admit(SessionInfo session, String sql, Verdict v, BudgetScope scope) {
        if (scope.isEmpty() || v.refusal() != null) {
            return v;
        }
        if (!ledger.current()) {
            metrics.refused.increment();
            return stale(scope.budgets().get(0), v);
        }
        String subject = session.principal().subject();
        Budget spent = null;
        SubjectTally spentTally = null;
        SubjectTally.Grant covering = null;
        String coveringBudget = null;
        for (Budget b : scope.budgets()) {
            SubjectTally t = ledger.find(b.name(), subject);
            if (t == null || !t.spends(b)) {
                continue;
            }
            SubjectTally.Grant g = t.grant;
            if (g != null && g.until().isAfter(Instant.now())) {
                if (covering == null) {
                    covering = g;
                    coveringBudget = b.name();
                }
                continue;
            }
            spent = b;
            spentTally = t;
            break;
        }
        Verdict metered = v.withMeters(meters(scope, subject));
        if (v.needsApproval() != null) {
            return metered; // a rule asks already: one approval at a time
        }
        if (spent != null) {
            metrics.of(spent.name()).holds.increment();
            return metered.holdFor(new ApprovalNeed(spent.name(), why(spent, subject, spentTally.usage()),
                    v.policyVersion(), -1, spent.grantMinutes(), sql, GRANT_PREFIX + spent.name()));
        }
        if (covering != null) {
            // Spent, but an approval's grant window lifts it: runs as approved by that approval.
            return new Verdict(null, metered.statements(), metered.masks(), null,
                    new Approved(covering.approvalId(), Long.MAX_VALUE), coveringBudget, v.policyVersion(),
                    metered.limits(), metered.meters());
        }
        return metered;
    }

    private List<StatementMeter> meters(BudgetScope scope, String subject) {
        int n = scope.statements();
        if (n == 1) {
            return List.of(new BudgetMeter(ledger, subject, scope.of(0)));
        }
        List<StatementMeter> meters = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            List<Budget> budgets = scope.of(i);
            meters.add(budgets.isEmpty() ? null : new BudgetMeter(ledger, subject, budgets));
        }
        return Collections.unmodifiableList(meters);
    }

    /** Why the statement waits, for the client's error detail when refused. */
    static String why(Budget b, String subject, BudgetUsage u) {
        StringBuilder sb = new StringBuilder(subject).append(" has spent budget ").append(b.name())
                .append(" in the last 60 minutes: ");
        List<String> parts = new ArrayList<>();
        part(parts, u.rows(), b.rowsPerHour(), "rows");
        part(parts, u.bytes(), b.bytesPerHour(), "bytes");
        part(parts, u.lookups(), b.lookupsPerHour(), "lookups on masked columns");
        return sb.append(String.join(", ", parts)).toString();
    }

    private static void part(List<String> parts, long used, long limit, String what) {
        if (limit != Budget.UNLIMITED) {
            parts.add(String.format(Locale.ROOT, "%,d of %,d %s per hour", used, limit, what));
        }
    }

    private Verdict stale(Budget first, Verdict v) {
        Duration age = ledger.age();
        PgError error = PgError.error(STALE_SQLSTATE, "pgwarden cannot count this statement against budget "
                + first.name() + ": its view of the budget store is "
                + (age == null ? "not read yet" : age.toMillis() + " ms old") + " (limit "
                + ledger.maxStaleness().toMillis() + " ms, pgwarden.budgets.max-staleness), so it was refused")
                .withHint("statements on other tables still run; retry once the gateway's store is reachable");
        return new Verdict(error, List.of(), List.of(), null, null, first.name(), v.policyVersion());
    }
}
