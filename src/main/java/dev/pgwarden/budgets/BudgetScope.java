package dev.pgwarden.budgets;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import dev.pgwarden.policy.Budget;
import dev.pgwarden.sql.TableName;

/**
 * Which budgets each statement of a verdict counts against, for one policy version and one set of
 * groups. Worked out once when a statement is decided and cached with its verdict, so a repeated
 * statement finds its budgets without looking at a table name; {@link #NONE} for the (usual)
 * statement no budget covers.
 */
public final class BudgetScope {
    public static final BudgetScope NONE = new BudgetScope(List.of(), List.of());

    /** Per statement (in order): the budgets it counts against, empty for none. */
    private final List<List<Budget>> perStatement;
    /** Every budget any statement counts against, in policy order. */
    private final List<Budget> all;

    private BudgetScope(List<List<Budget>> perStatement, List<Budget> all) {
        this.perStatement = perStatement;
        this.all = all;
    }

    /**
     * @param budgets            the policy's budgets
     * @param groups             the principal's groups
     * @param tablesPerStatement what each statement reads or writes; a null entry means it is not known
     *                           (then every budget of the principal applies: err towards counting)
     */
    public static BudgetScope of(List<Budget> budgets, Collection<String> groups,
            List<? extends Collection<TableName>> tablesPerStatement) {
        List<Budget> mine = new ArrayList<>();
        for (Budget b : budgets) {
            if (b.appliesTo(groups)) {
                mine.add(b);
            }
        }
        if (mine.isEmpty()) {
            return NONE;
        }
        List<List<Budget>> perStatement = new ArrayList<>(tablesPerStatement.size());
        Set<Budget> all = new LinkedHashSet<>();
        for (Collection<TableName> tables : tablesPerStatement) {
            List<Budget> covering = new ArrayList<>();
            for (Budget b : mine) {
                if (tables == null || b.covers(tables)) {
                    covering.add(b);
                }
            }
            all.addAll(covering);
            perStatement.add(List.copyOf(covering));
        }
        if (all.isEmpty()) {
            return NONE;
        }
        List<Budget> ordered = new ArrayList<>();
        for (Budget b : mine) {
            if (all.contains(b)) {
                ordered.add(b);
            }
        }
        return new BudgetScope(List.copyOf(perStatement), List.copyOf(ordered));
    }

    public boolean isEmpty() {
        return all.isEmpty();
    }

    /** Every budget the statements count against, in policy order. */
    public List<Budget> budgets() {
        return all;
    }

    /** The budgets statement {@code i} counts against (empty for none). */
    public List<Budget> of(int i) {
        return i < perStatement.size() ? perStatement.get(i) : List.of();
    }

    public int statements() {
        return perStatement.size();
    }
}
