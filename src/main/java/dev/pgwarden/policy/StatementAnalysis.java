package dev.pgwarden.policy;

import java.util.Set;

import dev.pgwarden.lineage.StatementLineage;
import dev.pgwarden.sql.ColumnRef;
import dev.pgwarden.sql.FunctionName;
import dev.pgwarden.sql.Sets;
import dev.pgwarden.sql.StatementKind;
import dev.pgwarden.sql.TableName;
import dev.pgwarden.sql.Truth;

/**
 * Everything pgwarden knows about one statement, independent of who runs it. Immutable and cached by
 * statement text.
 *
 * @param sql            the statement text
 * @param kind           its main kind
 * @param kinds          every kind it has, {@code kind} included (a CTE that deletes adds {@code delete})
 * @param tables         tables and views it reads or writes
 * @param columns        columns it reads or writes
 * @param derivedColumns columns whose values reach the result only through a computation
 * @param functions      functions it calls
 * @param operators      operator names it uses, as PostgreSQL's scanner cuts them
 * @param whereMissing   it reads or changes a table with no WHERE clause at the top level
 * @param limitMissing   it returns table rows with no LIMIT / FETCH at the top level
 * @param rowLimit       its literal top-level LIMIT, or -1
 * @param plannableSql   what to EXPLAIN for a row estimate; null when no estimate applies
 * @param prepared       the prepared statement it defines, runs or drops; null if none
 * @param analyzable     false when pgwarden could not work out what it touches (it is then refused)
 * @param problem        why it cannot be analysed, or why a ROLE_CHANGE / GATEWAY_SETTING is refused
 * @param plannerQuery   when not analyzable: a query a {@link dev.pgwarden.lineage.PlannerFallback} may explain instead; else null
 * @param fromPlanner    the lineage came from the planner fallback
 * @param readWrite      what in it would make a read-only session writable (refused for read-only role
 *                       mappings), or null
 */
public record StatementAnalysis(String sql, StatementKind kind, Set<StatementKind> kinds, Set<TableName> tables,
        Set<ColumnRef> columns, Set<ColumnRef> derivedColumns, Set<FunctionName> functions, Set<String> operators,
        Truth whereMissing, Truth limitMissing, long rowLimit, String plannableSql, PreparedRef prepared,
        boolean analyzable, String problem, String plannerQuery, boolean fromPlanner, String readWrite) {

    /** This analysis completed with what the planner says {@code plannerQuery} reads. */
    StatementAnalysis withPlannerLineage(StatementLineage lineage) {
        return new StatementAnalysis(sql, kind, Sets.union(kinds, lineage.kinds()), union(tables, lineage.tables()),
                union(columns, lineage.columns()), derivedColumns, union(functions, lineage.functions()), operators,
                whereMissing, limitMissing, rowLimit, plannableSql, prepared, true, null, null, true, readWrite);
    }

    /** An EXECUTE completed with the analysis of the statement its PREPARE defined. */
    StatementAnalysis withPrepared(StatementAnalysis query) {
        return new StatementAnalysis(sql, query.kind(), Sets.union(kinds, query.kinds()), union(tables, query.tables()),
                union(columns, query.columns()), union(derivedColumns, query.derivedColumns()),
                union(functions, query.functions()), union(operators, query.operators()), query.whereMissing(),
                query.limitMissing(), query.rowLimit(), plannableSql, prepared, analyzable && query.analyzable(),
                problem != null ? problem : query.problem(), plannerQuery != null ? plannerQuery : query.plannerQuery(),
                fromPlanner || query.fromPlanner(), readWrite != null ? readWrite : query.readWrite());
    }

    private static <T> Set<T> union(Set<T> a, Set<T> b) {
        return Sets.union(a, b);
    }
}
