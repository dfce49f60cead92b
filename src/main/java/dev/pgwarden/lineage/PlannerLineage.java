package dev.pgwarden.lineage;

import java.util.Set;

import dev.pgwarden.sql.ColumnRef;
import dev.pgwarden.sql.FunctionName;
import dev.pgwarden.sql.Sets;
import dev.pgwarden.sql.StatementKind;
import dev.pgwarden.sql.TableName;

/**
 * What the planner says a statement reads, from {@code EXPLAIN (VERBOSE, FORMAT JSON)}: the relations of its
 * scan nodes, the columns of their output lists, the functions it calls, and the kinds of its ModifyTable
 * nodes (none for a plain query). Used when the SQL parser cannot read a statement: the second source of
 * {@link StatementLineage}.
 */
public record PlannerLineage(Set<StatementKind> kinds, Set<TableName> tables, Set<ColumnRef> columns,
        Set<FunctionName> functions) implements StatementLineage {

    public PlannerLineage {
        kinds = Sets.ordered(kinds);
        tables = Sets.ordered(tables);
        columns = Sets.ordered(columns);
        functions = Sets.ordered(functions);
    }
}
