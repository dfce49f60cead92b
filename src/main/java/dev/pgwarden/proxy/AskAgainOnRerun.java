package dev.pgwarden.proxy;

/**
 * The meter of a prepared statement a person approved: an approval covers the run it was asked for,
 * so each further run of the statement (bound and executed again, with other parameters) asks again,
 * after its budgets' own check. Where the rule gives a grant window, the approval's grant answers at
 * once; without one, every run waits for a person, as the statement would if sent again as text.
 */
final class AskAgainOnRerun implements StatementMeter {
    private final StatementMeter budgets;
    private final StatementGate.ApprovalNeed asked;

    /** @param budgets the statement's own meter, or null */
    AskAgainOnRerun(StatementMeter budgets, StatementGate.ApprovalNeed asked) {
        this.budgets = budgets;
        this.asked = asked;
    }

    @Override
    public void delivered(long rows, long bytes, int lookups) {
        if (budgets != null) {
            budgets.delivered(rows, bytes, lookups);
        }
    }

    @Override
    public StatementGate.Verdict again(int lookups) {
        StatementGate.Verdict v = budgets == null ? null : budgets.again(lookups);
        if (v != null && (v.refusal() != null || v.needsApproval() != null)) {
            return v; // refused, or held for a budget first
        }
        return StatementGate.Verdict.needing(asked); // a budget's grant does not answer for the rule

    }

    @Override
    public StatementGate.ApprovalNeed pastLookups(int lookups) {
        return budgets == null ? null : budgets.pastLookups(lookups);
    }
}
