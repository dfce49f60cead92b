package dev.pgwarden.policy;

import java.util.Set;

/**
 * What the SQL parser found in a query.
 *
 * @param derivedColumns columns whose values reach the result only through a computation (see
 *                       {@link DerivedValues})
 * @param kinds          data-changing kinds found anywhere (INSERT, UPDATE, DELETE, MERGE, also in CTEs)
 * @param rowLimit       the top-level LIMIT / FETCH count when it is a literal, else -1
 * @param topKind        what the parser says the statement is (SELECT, INSERT, UPDATE, DELETE, MERGE)
 */
record QueryLineage(StatementKind topKind, Set<TableName> tables, Set<ColumnRef> columns, Set<ColumnRef> derivedColumns,
        Set<FunctionName> functions, Set<StatementKind> kinds, Truth whereMissing, Truth limitMissing,
        long rowLimit) {
}
