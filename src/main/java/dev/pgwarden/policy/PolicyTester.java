package dev.pgwarden.policy;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import dev.pgwarden.sql.StatementKind;
import dev.pgwarden.sql.Truth;

/**
 * Explains, in plain text, what a policy does with some SQL for a given principal: the role the principal
 * gets, each statement's analysis, every rule considered and why it did or did not match, and the verdict.
 * The {@code policy test} CLI and REST endpoint wrap this.
 */
public final class PolicyTester {
    private final Policy policy;
    private final PolicyEngine engine;
    private final StatementAnalyzer analyzer;

    public PolicyTester(Policy policy, StatementAnalyzer analyzer) {
        this.policy = policy;
        this.analyzer = analyzer;
        this.engine = new PolicyEngine(policy, analyzer);
    }

    public String explain(String subject, Collection<String> groups, String sql) {
        return explain(subject, groups, sql, DecisionContext.NONE);
    }

    public String explain(String subject, Collection<String> groups, String sql, DecisionContext context) {
        PolicyPrincipal principal = new PolicyPrincipal(subject, Set.copyOf(groups));
        StringBuilder out = new StringBuilder();
        out.append("policy ").append(policy.version()).append(" (").append(policy.source()).append(")\n");
        out.append("principal ").append(subject).append(", groups ").append(sorted(groups)).append(" -> ")
                .append(policy.mappingFor(groups)
                        .map(m -> "database role " + m.role() + (m.readOnly() ? " (read-only)" : ""))
                        .orElse("no database role: the connection would be refused"))
                .append('\n');
        AnalyzedText text = analyzer.analyzeText(sql);
        List<StatementAnalysis> statements = text.statements();
        if (statements.isEmpty()) {
            out.append("no statements (an empty query is allowed)\n");
            return out.toString();
        }
        int i = 1;
        for (StatementAnalysis a : statements) {
            out.append('\n').append("statement ").append(i++).append(" of ").append(statements.size()).append(": ")
                    .append(oneLine(a.sql())).append('\n');
            describe(a, out);
            List<String> trace = new ArrayList<>();
            Decision d = engine.decide(principal, a, context, trace);
            if (!trace.isEmpty()) {
                out.append("  rules\n");
                for (String line : trace) {
                    out.append("    ").append(line).append('\n');
                }
            }
            out.append("  decision   ").append(verdict(d)).append('\n');
        }
        Decision overall = engine.decide(principal, text, context);
        out.append('\n').append("overall: ").append(verdict(overall)).append('\n');
        return out.toString();
    }

    private static void describe(StatementAnalysis a, StringBuilder out) {
        row(out, "kind", a.kind() + (a.kinds().size() > 1 ? " (also " + a.kinds().stream()
                .filter(k -> k != a.kind()).map(StatementKind::policyName).collect(Collectors.joining(", ")) + ")"
                : ""));
        if (a.problem() != null) {
            row(out, a.analyzable() ? "refused" : "unreadable", a.problem());
        }
        row(out, "tables", list(a.tables()));
        row(out, "columns", list(a.columns()));
        if (!a.derivedColumns().isEmpty()) {
            row(out, "computed", list(a.derivedColumns()));
        }
        row(out, "functions", list(a.functions()));
        if (!a.operators().isEmpty()) {
            row(out, "operators", String.join(" ", a.operators()));
        }
        if (a.readWrite() != null) {
            row(out, "read-write", a.readWrite() + " (refused for read-only sessions)");
        }
        row(out, "where", a.whereMissing() == Truth.YES ? "missing" : a.whereMissing() == Truth.UNKNOWN
                ? "unknown" : "present or not applicable");
        row(out, "limit", a.limitMissing() == Truth.YES ? "missing" : a.limitMissing() == Truth.UNKNOWN
                ? "unknown" : a.rowLimit() >= 0 ? String.valueOf(a.rowLimit()) : "present or not applicable");
        if (a.prepared() != null) {
            row(out, "prepared", a.prepared().use().name().toLowerCase() + " " + a.prepared().name());
        }
    }

    private static String verdict(Decision d) {
        StringBuilder b = new StringBuilder(d.action().name());
        if (d.sqlState() != null) {
            b.append(" (").append(d.sqlState()).append(')');
        }
        b.append(switch (d.basis()) {
            case RULE -> " by rule '" + d.rule() + "'";
            case DEFAULT -> " by the policy default";
            case EMPTY -> " (empty query)";
            default -> " by pgwarden (" + d.basis().name().toLowerCase().replace('_', ' ') + ")";
        });
        d.estimatedRows().ifPresent(rows -> b.append(", planner estimate ").append(rows).append(" rows"));
        d.grantMinutes().ifPresent(m -> b.append(", approval lasts ").append(m).append(" min"));
        if (!d.derivedMasked().isEmpty()) {
            b.append(", computed values of masked ").append(list(d.derivedMasked())).append(" will be masked");
        }
        if (d.message() != null) {
            b.append(": ").append(d.message());
        }
        return b.toString();
    }

    private static void row(StringBuilder out, String label, String value) {
        out.append("  ").append(label).append(" ".repeat(Math.max(1, 11 - label.length()))).append(value)
                .append('\n');
    }

    private static String list(Collection<?> items) {
        return items.isEmpty() ? "-" : items.stream().map(Object::toString).collect(Collectors.joining(", "));
    }

    private static List<String> sorted(Collection<String> groups) {
        return groups.stream().sorted().toList();
    }

    private static String oneLine(String sql) {
        String s = sql.replaceAll("\\s+", " ").strip();
        return s.length() > 200 ? s.substring(0, 197) + "..." : s;
    }
}
