package dev.pgwarden.policy;

import java.util.List;
import java.util.Set;

import dev.pgwarden.sql.StatementKind;

/**
 * A rule's {@code match:} conditions; all the given ones must hold. An empty list or set means "any".
 *
 * @param statements        statement kinds as written in the policy
 * @param matchedKinds      {@code statements} plus the narrower kinds they cover (see {@link StatementKind})
 * @param tables            touched tables, any of
 * @param columns           touched columns, any of
 * @param functions         called functions, any of
 * @param volatileFunctions the statement calls a function PostgreSQL marks volatile (directly, through a view or
 *                          an operator), other than a few harmless built-ins; see {@link VolatileCalls}
 * @param noWhere           the statement reads or changes a table without a WHERE clause
 * @param noLimit           the statement returns rows of a table without LIMIT/FETCH
 * @param estimatedRowsOver the planner's row estimate is above this; -1 when not a condition
 */
public record RuleMatch(Set<StatementKind> statements, Set<StatementKind> matchedKinds, List<NamePattern> tables,
        List<NamePattern> columns, List<NamePattern> functions, boolean volatileFunctions, boolean noWhere,
        boolean noLimit, long estimatedRowsOver) {

    public static final RuleMatch ANY = new RuleMatch(Set.of(), Set.of(), List.of(), List.of(), List.of(),
            false, false, false, -1);

    public boolean needsEstimate() {
        return estimatedRowsOver >= 0;
    }
}
