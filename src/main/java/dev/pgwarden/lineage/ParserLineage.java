package dev.pgwarden.lineage;

import java.util.Set;

import dev.pgwarden.sql.ColumnRef;
import dev.pgwarden.sql.FunctionName;
import dev.pgwarden.sql.StatementKind;
import dev.pgwarden.sql.TableName;
import dev.pgwarden.sql.Truth;

/**
 * What the SQL parser found in a query: one of the two sources of {@link StatementLineage}.
 *
 * @param derivedColumns columns whose values reach the result only through a computation (the
 *                       policy's {@code on_derived} decides what happens to them)
 * @param kinds          data-changing kinds found anywhere (INSERT, UPDATE, DELETE, MERGE, also in CTEs)
 * @param rowLimit       the top-level LIMIT / FETCH count when it is a literal, else -1
 * @param topKind        what the parser says the statement is (SELECT, INSERT, UPDATE, DELETE, MERGE)
 */
public record ParserLineage(StatementKind topKind, Set<TableName> tables, Set<ColumnRef> columns, Set<ColumnRef> derivedColumns,
        Set<FunctionName> functions, Set<StatementKind> kinds, Truth whereMissing, Truth limitMissing,
        long rowLimit) implements StatementLineage {
}
