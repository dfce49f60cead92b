/**
 * Lineage: what a statement reads, and what each of its result columns derives from.
 *
 * <p>What a statement reads and writes ({@link dev.pgwarden.lineage.StatementLineage}) comes from
 * one of two sources: the SQL parser ({@link dev.pgwarden.lineage.ParseTreeWalker} walks
 * JSqlParser's tree into a {@link dev.pgwarden.lineage.ParserLineage}) or, for text the parser
 * cannot read, the planner ({@link dev.pgwarden.lineage.PlannerLineage} through a
 * {@link dev.pgwarden.lineage.PlannerFallback}). The policy decides on it.
 *
 * <p>Which base columns each result column derives from, for masking, comes from the plan walker:
 * run {@link dev.pgwarden.lineage.ExplainQuery#forStatement(String)} on the upstream connection
 * (same role and search_path as the statement), feed the single text value to
 * {@link dev.pgwarden.lineage.PlanLineage#fromExplainJson(String)}, and for each result column
 * {@code i} consult {@link dev.pgwarden.lineage.Lineage#output(int)}: mask if it
 * {@link dev.pgwarden.lineage.OutputLineage#derivesFrom(BaseColumn) derives from} a sensitive
 * column (whole-row references count), and fail closed if it is
 * {@link dev.pgwarden.lineage.OutputLineage#opaque() opaque}. What cannot be resolved, what is
 * over-approximated and what is not tracked at all is listed on
 * {@link dev.pgwarden.lineage.PlanLineage}. The gate ({@code gate/LineageResolver}) chooses
 * when a statement needs the planner; direct table columns are traced from RowDescription alone
 * ({@code masking/MaskPlanner}).
 *
 * <p>Pure Java plus Jackson and JSqlParser; no Quarkus, no I/O.
 */
package dev.pgwarden.lineage;
