package dev.pgwarden.policy;

import java.util.List;
import java.util.Set;

import dev.pgwarden.sql.ColumnRef;
import dev.pgwarden.sql.FunctionName;
import dev.pgwarden.sql.StatementKind;
import dev.pgwarden.sql.TableName;
import dev.pgwarden.sql.Truth;

/**
 * Evaluates a rule's conditions, except the row estimate, against a principal and a statement. A condition
 * can be unknown (the planner fallback cannot say whether there is a WHERE); the engine then reads the rule
 * restrictively. Allocation-free: this runs for every rule on every statement.
 */
final class RuleMatcher {

    /** The outcome: all conditions hold, some are unknown, or the first that does not hold. */
    enum Check {
        HOLDS("all conditions hold"),
        UNKNOWN("some conditions are unknown"),
        GROUPS("the principal is in none of the rule's groups"),
        STATEMENT("the statement kind is not listed"),
        TABLES("no listed table is touched"),
        COLUMNS("no listed column is touched"),
        FUNCTIONS("no listed function is called"),
        NO_WHERE("the statement has a WHERE clause (or reads no table)"),
        NO_LIMIT("the statement has a LIMIT (or returns no table rows)");

        final String explanation;

        Check(String explanation) {
            this.explanation = explanation;
        }

        boolean fails() {
            return this != HOLDS && this != UNKNOWN;
        }
    }

    private RuleMatcher() {
    }

    static Check check(Rule rule, Set<String> groups, StatementAnalysis a) {
        if (!rule.groups().isEmpty() && !anyGroup(rule.groups(), groups)) {
            return Check.GROUPS;
        }
        RuleMatch m = rule.match();
        if (!m.matchedKinds().isEmpty() && !anyKind(m.matchedKinds(), a.kinds())) {
            return Check.STATEMENT;
        }
        if (!m.tables().isEmpty() && !anyTable(m.tables(), a.tables())) {
            return Check.TABLES;
        }
        if (!m.columns().isEmpty() && !anyColumn(m.columns(), a.columns())) {
            return Check.COLUMNS;
        }
        if (!m.functions().isEmpty() && !anyFunction(m.functions(), a.functions())) {
            return Check.FUNCTIONS;
        }
        boolean unknown = false;
        if (m.noWhere()) {
            if (a.whereMissing() == Truth.NO) {
                return Check.NO_WHERE;
            }
            unknown = a.whereMissing() == Truth.UNKNOWN;
        }
        if (m.noLimit()) {
            if (a.limitMissing() == Truth.NO) {
                return Check.NO_LIMIT;
            }
            unknown |= a.limitMissing() == Truth.UNKNOWN;
        }
        return unknown ? Check.UNKNOWN : Check.HOLDS;
    }

    private static boolean anyGroup(List<String> ruleGroups, Set<String> groups) {
        for (int i = 0; i < ruleGroups.size(); i++) {
            if (groups.contains(ruleGroups.get(i))) {
                return true;
            }
        }
        return false;
    }

    private static boolean anyKind(Set<StatementKind> matched, Set<StatementKind> kinds) {
        for (StatementKind k : kinds) {
            if (matched.contains(k)) {
                return true;
            }
        }
        return false;
    }

    private static boolean anyTable(List<NamePattern> patterns, Set<TableName> tables) {
        for (TableName t : tables) {
            for (int i = 0; i < patterns.size(); i++) {
                if (patterns.get(i).matchesTable(t)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static boolean anyColumn(List<NamePattern> patterns, Set<ColumnRef> columns) {
        for (ColumnRef c : columns) {
            for (int i = 0; i < patterns.size(); i++) {
                if (patterns.get(i).matchesColumn(c)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static boolean anyFunction(List<NamePattern> patterns, Set<FunctionName> functions) {
        for (FunctionName f : functions) {
            for (int i = 0; i < patterns.size(); i++) {
                if (patterns.get(i).matchesFunction(f)) {
                    return true;
                }
            }
        }
        return false;
    }
}
