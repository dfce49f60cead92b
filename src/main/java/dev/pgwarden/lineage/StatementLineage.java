package dev.pgwarden.lineage;

import java.util.Set;

import dev.pgwarden.sql.ColumnRef;
import dev.pgwarden.sql.FunctionName;
import dev.pgwarden.sql.StatementKind;
import dev.pgwarden.sql.TableName;

/**
 * What one statement reads and writes, from one of two sources: the SQL parser
 * ({@link ParserLineage}, walked by {@link ParseTreeWalker}) or, for text the parser cannot read,
 * the planner ({@link PlannerLineage}, asked through a {@link PlannerFallback}). The policy engine
 * decides on it whichever source gave it.
 */
public interface StatementLineage {
    /** Data-changing kinds found anywhere (INSERT, UPDATE, DELETE, MERGE, also in CTEs); none for a plain query. */
    Set<StatementKind> kinds();

    /** Tables and views read or written. */
    Set<TableName> tables();

    /** Columns read or written. */
    Set<ColumnRef> columns();

    /** Functions called. */
    Set<FunctionName> functions();
}
