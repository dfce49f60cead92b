package dev.pgwarden.budgets;

import java.util.List;

import dev.pgwarden.policy.Budget;
import dev.pgwarden.proxy.StatementGate;
import dev.pgwarden.proxy.StatementMeter;

/**
 * Counts what one statement of {@code subject} delivered against each budget that covers it, and
 * checks the budgets again when a prepared statement runs again.
 */
final class BudgetMeter implements StatementMeter {
    private final BudgetLedger ledger;
    private final BudgetCheck check;
    private final String subject;
    private final List<Budget> budgets;
    private final String sql;
    private final String policyVersion;

    BudgetMeter(BudgetLedger ledger, BudgetCheck check, String subject, List<Budget> budgets, String sql,
            String policyVersion) {
        this.ledger = ledger;
        this.check = check;
        this.subject = subject;
        this.budgets = budgets;
        this.sql = sql;
        this.policyVersion = policyVersion;
    }

    @Override
    public StatementGate.Verdict again(int lookups) {
        return check.again(subject, budgets, lookups, sql, policyVersion);
    }

    @Override
    public StatementGate.ApprovalNeed pastLookups(int lookups) {
        return check.pastLookups(subject, budgets, lookups, sql, policyVersion);
    }

    @Override
    public void delivered(long rows, long bytes, int lookups) {
        if (rows == 0 && bytes == 0 && lookups == 0) {
            return;
        }
        for (int i = 0; i < budgets.size(); i++) {
            ledger.add(budgets.get(i).name(), subject, rows, bytes, lookups);
        }
    }
}
