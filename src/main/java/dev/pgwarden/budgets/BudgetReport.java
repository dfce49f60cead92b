package dev.pgwarden.budgets;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import dev.pgwarden.policy.Budget;
import dev.pgwarden.policy.Policy;
import dev.pgwarden.policy.PolicyStore;

/** What {@code GET /api/budgets} and the console show: every budget, who used how much, recent crossings. */
@ApplicationScoped
public class BudgetReport {
    /**
     * @param viewAgeMillis how old this replica's view of the store is (null: never read)
     * @param current       whether it is recent enough for budgeted statements to run
     */
    public record Report(String policyVersion, Long viewAgeMillis, boolean current, List<BudgetUse> budgets,
            List<Crossing> crossings) {
    }

    /** One budget, its limits (null: none) and the subjects with usage or a grant, most used first. */
    public record BudgetUse(String name, List<String> groups, List<String> tables, Long rowsPerHour,
            Long bytesPerHour, Long lookupsPerHour, Integer grantMinutes, List<SubjectUse> subjects) {
    }

    /**
     * One subject's last 60 minutes.
     *
     * @param spent         whether it reached a limit (its next statement on the tables waits for approval)
     * @param grantApproval the approval lifting the budget for it now, if any
     */
    public record SubjectUse(String subject, long rows, long bytes, long lookups, boolean spent, String grantApproval,
            Instant grantUntil) {
    }

    /** A subject found over a budget (also an audit chain entry, {@code chainSeq}). */
    public record Crossing(String budget, String subject, Instant crossedAt, long rows, long bytes, long lookups,
            Long rowsPerHour, Long bytesPerHour, Long lookupsPerHour, String policyVersion, Long chainSeq) {
    }

    @Inject
    BudgetLedger ledger;
    @Inject
    PolicyStore policy;

    /** The report, with the latest {@code crossings} crossings from the store. Blocking. */
    public Report report(int crossings) throws Exception {
        Policy p = policy.current();
        Map<String, List<SubjectTally>> byBudget = new java.util.HashMap<>();
        for (SubjectTally t : ledger.snapshot()) {
            byBudget.computeIfAbsent(t.budget, k -> new ArrayList<>()).add(t);
        }
        List<BudgetUse> budgets = new ArrayList<>();
        Instant now = Instant.now();
        for (Budget b : p.budgets()) {
            List<SubjectUse> subjects = new ArrayList<>();
            for (SubjectTally t : byBudget.getOrDefault(b.name(), List.of())) {
                BudgetUsage u = t.usage();
                SubjectTally.Grant g = t.grant;
                boolean granted = g != null && g.until().isAfter(now);
                if (u.isZero() && !granted) {
                    continue;
                }
                subjects.add(new SubjectUse(t.subject, u.rows(), u.bytes(), u.lookups(), t.spends(b),
                        granted ? g.approvalId() : null, granted ? g.until() : null));
            }
            subjects.sort(Comparator.comparingDouble((SubjectUse s) -> share(b, s)).reversed()
                    .thenComparing(SubjectUse::subject));
            budgets.add(new BudgetUse(b.name(), b.groups(), b.tables().stream().map(Object::toString).toList(),
                    limit(b.rowsPerHour()), limit(b.bytesPerHour()), limit(b.lookupsPerHour()),
                    b.grantMinutes() > 0 ? b.grantMinutes() : null, subjects));
        }
        List<Crossing> recent = ledger.store().crossings(crossings);
        java.time.Duration age = ledger.age();
        return new Report(p.version(), age == null ? null : age.toMillis(), ledger.current(), budgets, recent);
    }

    /** How much of its most used limit a subject has spent (for ordering). */
    private static double share(Budget b, SubjectUse s) {
        double most = 0;
        if (b.rowsPerHour() != Budget.UNLIMITED) {
            most = Math.max(most, (double) s.rows() / b.rowsPerHour());
        }
        if (b.bytesPerHour() != Budget.UNLIMITED) {
            most = Math.max(most, (double) s.bytes() / b.bytesPerHour());
        }
        if (b.lookupsPerHour() != Budget.UNLIMITED) {
            most = Math.max(most, (double) s.lookups() / b.lookupsPerHour());
        }
        return most;
    }

    private static Long limit(long perHour) {
        return perHour == Budget.UNLIMITED ? null : perHour;
    }
}
