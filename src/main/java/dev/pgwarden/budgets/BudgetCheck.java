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
import dev.pgwarden.proxy.ResultLimit;
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
            return stale(scope.budgets().get(0), v.policyVersion());
        }
        String subject = session.principal().subject();
        Standing standing = standing(subject, scope.budgets());
        Verdict metered = v.withMeters(meters(scope, subject, sql, v.policyVersion()));
        if (v.needsApproval() != null) {
            return metered; // a rule asks already: one approval at a time
        }
        if (standing == null) {
            // Within every budget: the statement may stream what is left of them, then it asks.
            return metered.withLimits(limits(scope, v, subject, sql));
        }
        if (standing.spent() != null) {
            return metered.holdFor(hold(standing, subject, sql, v.policyVersion()));
        }
        // Spent, but an approval's grant window lifts it: runs as approved by that approval.
        return new Verdict(null, metered.statements(), metered.masks(), null,
                new Approved(standing.covering().approvalId(), Long.MAX_VALUE), standing.coveringBudget(),
                v.policyVersion(), metered.limits(), metered.meters(), metered.fingerprint());
    }

    /**
     * Another run of a statement admitted earlier (a prepared statement executed again), checked
     * like a new one: null when it may run; else a verdict that needs approval, a refusal (stale
     * view) or an approval whose grant covers it.
     */
    Verdict again(String subject, List<Budget> budgets, int lookups, String sql, String policyVersion) {
        if (!ledger.current()) {
            return stale(budgets.get(0), policyVersion);
        }
        Standing standing = standing(subject, budgets);
        if (standing == null) {
            ApprovalNeed past = pastLookups(subject, budgets, lookups, sql, policyVersion);
            return past == null ? null : Verdict.needing(past);
        }
        if (standing.spent() != null) {
            return Verdict.needing(hold(standing, subject, sql, policyVersion));
        }
        return new Verdict(null, List.of(sql), List.of(), null,
                new Approved(standing.covering().approvalId(), Long.MAX_VALUE), standing.coveringBudget(),
                policyVersion);
    }

    /**
     * Where a subject stands with some budgets: null within all of them; else the first spent one
     * no grant lifts ({@code spent}), or, when grants lift every spent one, the first such grant.
     */
    private record Standing(Budget spent, SubjectTally tally, SubjectTally.Grant covering, String coveringBudget) {
    }

    private Standing standing(String subject, List<Budget> budgets) {
        SubjectTally.Grant covering = null;
        String coveringBudget = null;
        for (Budget b : budgets) {
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
            return new Standing(b, t, null, null);
        }
        return covering == null ? null : new Standing(null, null, covering, coveringBudget);
    }

    /** The approval a statement of a subject that spent a budget waits for. */
    private ApprovalNeed hold(Standing standing, String subject, String sql, String policyVersion) {
        Budget b = standing.spent();
        metrics.of(b.name()).holds.increment();
        return new ApprovalNeed(b.name(), why(b, subject, standing.tally().usage()), policyVersion, -1,
                b.grantMinutes(), sql, GRANT_PREFIX + b.name());
    }

    private List<StatementMeter> meters(BudgetScope scope, String subject, String sql, String policyVersion) {
        int n = scope.statements();
        if (n == 1) {
            return List.of(new BudgetMeter(ledger, this, subject, scope.of(0), sql, policyVersion));
        }
        List<StatementMeter> meters = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            List<Budget> budgets = scope.of(i);
            meters.add(budgets.isEmpty() ? null : new BudgetMeter(ledger, this, subject, budgets, sql, policyVersion));
        }
        return Collections.unmodifiableList(meters);
    }

    /**
     * Each statement's stream limit: the tighter of its rule's (an {@code estimated_rows_over} limit) and
     * what is left of its budgets, so the statement that would cross a budget stops at it and asks, instead
     * of running to its end (a join that multiplies rows, say).
     */
    private List<ResultLimit> limits(BudgetScope scope, Verdict v, String subject, String sql) {
        int n = scope.statements();
        List<ResultLimit> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            ResultLimit rule = i < v.limits().size() ? v.limits().get(i) : null;
            List<Budget> budgets = scope.of(i);
            ResultLimit left = left(budgets, subject, sql, v.policyVersion());
            ResultLimit tighter = tighter(rule, left);
            // Worked out again when its result starts: statements pipelined before it have spent some meanwhile.
            out.add(left == null ? tighter : tighter.recomputedAtStart(
                    () -> tighter(rule, left(budgets, subject, sql, v.policyVersion()))));
        }
        for (int i = n; i < v.limits().size(); i++) {
            out.add(v.limits().get(i));
        }
        return Collections.unmodifiableList(out);
    }

    private static ResultLimit tighter(ResultLimit rule, ResultLimit left) {
        return rule == null || left != null && left.rows() < rule.rows() ? left : rule;
    }

    /** What {@code subject} may still receive under {@code budgets}, as a limit asking for the tightest; null: no row or byte limit. */
    private ResultLimit left(List<Budget> budgets, String subject, String sql, String policyVersion) {
        Budget tightest = null;
        BudgetUsage usage = null;
        long rows = Long.MAX_VALUE;
        long bytes = Long.MAX_VALUE;
        for (Budget b : budgets) {
            if (b.rowsPerHour() == Budget.UNLIMITED && b.bytesPerHour() == Budget.UNLIMITED) {
                continue;
            }
            SubjectTally t = ledger.find(b.name(), subject);
            BudgetUsage u = t == null ? BudgetUsage.ZERO : t.usage();
            boolean tighter = false;
            if (b.rowsPerHour() != Budget.UNLIMITED && b.rowsPerHour() - u.rows() < rows) {
                rows = Math.max(0, b.rowsPerHour() - u.rows());
                tighter = true;
            }
            if (b.bytesPerHour() != Budget.UNLIMITED && b.bytesPerHour() - u.bytes() < bytes) {
                bytes = Math.max(0, b.bytesPerHour() - u.bytes());
                tighter = true;
            }
            if (tighter) {
                tightest = b;
                usage = u;
            }
        }
        if (tightest == null) {
            return null;
        }
        Budget b = tightest;
        BudgetUsage used = usage;
        return ResultLimit.asking(rows, bytes, () -> new ApprovalNeed(b.name(), crossing(b, subject, used),
                policyVersion, -1, b.grantMinutes(), sql, GRANT_PREFIX + b.name()));
    }

    /**
     * Equality lookups on masked columns are known from the plan before a statement runs, so one that
     * makes more than a budget has left (a long IN list of guessed values) waits for the budget's
     * approval first, instead of being counted when it ends. Null when they fit, or a grant lifts the
     * budget.
     */
    ApprovalNeed pastLookups(String subject, List<Budget> budgets, int lookups, String sql, String policyVersion) {
        if (lookups == 0) {
            return null;
        }
        for (Budget b : budgets) {
            if (b.lookupsPerHour() == Budget.UNLIMITED) {
                continue;
            }
            SubjectTally t = ledger.find(b.name(), subject);
            BudgetUsage u = t == null ? BudgetUsage.ZERO : t.usage();
            if (u.lookups() + lookups <= b.lookupsPerHour()) {
                continue;
            }
            SubjectTally.Grant g = t == null ? null : t.grant;
            if (g != null && g.until().isAfter(Instant.now())) {
                continue;
            }
            metrics.of(b.name()).holds.increment();
            return new ApprovalNeed(b.name(), String.format(Locale.ROOT,
                    "this statement makes %,d equality lookups on masked columns, which would take %s past budget "
                            + "%s (used before it: %,d of %,d lookups on masked columns per hour)",
                    lookups, subject, b.name(), u.lookups(), b.lookupsPerHour()), policyVersion, -1,
                    b.grantMinutes(), sql, GRANT_PREFIX + b.name());
        }
        return null;
    }

    /** Why a statement stopped at what was left of a budget, for the approver and the client. */
    static String crossing(Budget b, String subject, BudgetUsage u) {
        StringBuilder sb = new StringBuilder("this statement would take ").append(subject).append(" past budget ")
                .append(b.name()).append(" (used before it: ");
        List<String> parts = new ArrayList<>();
        part(parts, u.rows(), b.rowsPerHour(), "rows");
        part(parts, u.bytes(), b.bytesPerHour(), "bytes");
        return sb.append(String.join(", ", parts)).append(")").toString();
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

    private Verdict stale(Budget first, String policyVersion) {
        metrics.refused.increment();
        Duration age = ledger.age();
        PgError error = PgError.error(STALE_SQLSTATE, "pgwarden cannot count this statement against budget "
                + first.name() + ": its view of the budget store is "
                + (age == null ? "not read yet" : age.toMillis() + " ms old") + " (limit "
                + ledger.maxStaleness().toMillis() + " ms, pgwarden.budgets.max-staleness), so it was refused")
                .withHint("statements on other tables still run; retry once the gateway's store is reachable");
        return new Verdict(error, List.of(), List.of(), null, null, first.name(), policyVersion);
    }
}
