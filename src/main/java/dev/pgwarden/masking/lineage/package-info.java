/**
 * Column lineage from PostgreSQL's planner, for masking results sent to agents.
 *
 * <p>Usage: run {@link dev.pgwarden.masking.lineage.ExplainQuery#forStatement(String)} on the
 * upstream connection (same role and search_path as the statement), feed the single text value
 * to {@link dev.pgwarden.masking.lineage.PlanLineage#fromExplainJson(String)}, and for each
 * result column {@code i} consult {@link dev.pgwarden.masking.lineage.Lineage#output(int)}:
 * mask if it {@link dev.pgwarden.masking.lineage.OutputLineage#derivesFrom(BaseColumn) derives
 * from} a sensitive column (whole-row references count), and fail closed if it is
 * {@link dev.pgwarden.masking.lineage.OutputLineage#opaque() opaque}. What cannot be resolved,
 * what is over-approximated and what is not tracked at all is listed on
 * {@link dev.pgwarden.masking.lineage.PlanLineage}.
 *
 * <p>Pure Java plus Jackson; no Quarkus, no I/O.
 */
package dev.pgwarden.masking.lineage;
