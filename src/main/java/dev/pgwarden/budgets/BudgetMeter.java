package dev.pgwarden.budgets;

import java.util.List;

import dev.pgwarden.policy.Budget;
import dev.pgwarden.proxy.StatementMeter;

/** Counts what one statement of {@code subject} delivered against each budget that covers it. */
final class BudgetMeter implements StatementMeter {
    private final BudgetLedger ledger;
    private final String subject;
    private final List<Budget> budgets;

    BudgetMeter(BudgetLedger ledger, String subject, List<Budget> budgets) {
        this.ledger = ledger;
        this.subject = subject;
        this.budgets = budgets;
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
