package dev.pgwarden.policy;

import java.util.Set;

/**
 * What the planner says a statement reads, from {@code EXPLAIN (VERBOSE, FORMAT JSON)}: the relations of its
 * scan nodes, the columns of their output lists, the functions it calls, and the kinds of its ModifyTable
 * nodes (none for a plain query). Used when the SQL parser cannot read a statement.
 */
public record PlannerLineage(Set<StatementKind> kinds, Set<TableName> tables, Set<ColumnRef> columns,
        Set<FunctionName> functions) {

    public PlannerLineage {
        kinds = Sets.ordered(kinds);
        tables = Sets.ordered(tables);
        columns = Sets.ordered(columns);
        functions = Sets.ordered(functions);
    }
}
