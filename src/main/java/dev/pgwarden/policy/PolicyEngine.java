package dev.pgwarden.policy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;

import dev.pgwarden.lineage.PlannerFallback;
import dev.pgwarden.sql.ColumnRef;
import dev.pgwarden.sql.Sets;
import dev.pgwarden.sql.StatementKind;
import dev.pgwarden.sql.TableName;
import dev.pgwarden.sql.Truth;

/**
 * Decides statements against one {@link Policy}. Order of checks for each statement:
 * <ol>
 * <li>role changes and settings that would change how the server reads SQL: always refused; for sessions whose role
 * mapping is read-only, also whatever would make them writable;</li>
 * <li>EXECUTE of a prepared statement: decided as the statement its PREPARE defined;</li>
 * <li>statements pgwarden could not analyse: refused, unless the {@link PlannerFallback} says what they read;</li>
 * <li>the rules, first match wins; no match: the policy's default;</li>
 * <li>results computed from masked columns: refused when {@code masking.on_derived} is block.</li>
 * </ol>
 * A rule condition that is unknown (the planner could not say whether there is a WHERE, the estimator failed)
 * is read restrictively: it counts as holding for block and require_approval rules, and as not holding for
 * allow rules. Immutable and thread-safe; build a new engine when the policy changes and keep the analyzer.
 */
public final class PolicyEngine {
    private final Policy policy;
    private final StatementAnalyzer analyzer;

    public PolicyEngine(Policy policy, StatementAnalyzer analyzer) {
        this.policy = policy;
        this.analyzer = analyzer;
    }

    public Policy policy() {
        return policy;
    }

    /** Decides a whole simple-query string: every statement is decided; the strictest verdict wins. */
    public Decision decide(PolicyPrincipal principal, String sql, Estimator estimator) {
        return decide(principal, sql, DecisionContext.of(estimator));
    }

    public Decision decide(PolicyPrincipal principal, String sql, DecisionContext context) {
        return decide(principal, analyzer.analyzeText(sql), context);
    }

    /** Decides a simple-query string the analyzer has read: every statement; the strictest verdict wins. */
    public Decision decide(PolicyPrincipal principal, AnalyzedText text, DecisionContext context) {
        context = context == null ? DecisionContext.NONE : context;
        List<StatementAnalysis> statements = text.statements();
        if (statements.isEmpty()) {
            return new Decision(Action.ALLOW, Decision.Basis.EMPTY, null, null, null, policy.version(), Set.of(),
                    Set.of(), OptionalLong.empty(), OptionalInt.empty(), Set.of());
        }
        if (statements.size() == 1) {
            return decide(principal, statements.get(0), context, null);
        }
        Decision strictest = null;
        Set<ColumnRef> derived = new LinkedHashSet<>();
        List<StreamLimit> limits = new ArrayList<>(statements.size());
        InStringPrepared prepared = null;
        DecisionContext ctx = context;
        for (StatementAnalysis a : statements) {
            Decision d = decide(principal, a, ctx, null);
            PreparedRef ref = a.prepared();
            if (ref != null && ref.use() != PreparedRef.Use.EXECUTE) {
                // EXECUTE later in the same string runs what this PREPARE defines (or fails after DEALLOCATE)
                if (prepared == null) {
                    prepared = new InStringPrepared(context.prepared());
                    ctx = context.withPrepared(prepared);
                }
                prepared.apply(ref);
            }
            derived.addAll(d.derivedMasked());
            limits.add(d.streamLimitOf(0));
            if (strictest == null || d.action().severity() > strictest.action().severity()) {
                strictest = d;
            }
            if (d.action() == Action.BLOCK) {
                break; // one refused statement refuses the string; spare the estimator the rest
            }
        }
        Set<StatementKind> kinds = EnumSet.noneOf(StatementKind.class);
        Set<TableName> tables = new LinkedHashSet<>();
        for (StatementAnalysis a : statements) {
            kinds.addAll(a.kinds());
            tables.addAll(a.tables());
        }
        return new Decision(strictest.action(), strictest.basis(), strictest.sqlState(), strictest.message(),
                strictest.rule(), strictest.policyVersion(), Sets.ordered(kinds), Sets.ordered(tables),
                strictest.estimatedRows(), strictest.grantMinutes(),
                strictest.action() == Action.BLOCK ? Set.of() : Sets.ordered(derived), strictest.cause(),
                strictest.provisional(),
                strictest.action() == Action.ALLOW ? Collections.unmodifiableList(limits) : List.of());
    }

    /**
     * Decides one statement, as an extended-protocol Parse carries it. Text holding several statements is
     * refused (PostgreSQL refuses it too).
     */
    public Decision decideStatement(PolicyPrincipal principal, String statement, DecisionContext context) {
        return decideStatement(principal, analyzer.analyzeText(statement), context);
    }

    /** Decides a Parse message's statement the analyzer has read; several statements are refused. */
    public Decision decideStatement(PolicyPrincipal principal, AnalyzedText text, DecisionContext context) {
        context = context == null ? DecisionContext.NONE : context;
        if (text.size() > 1) {
            return refuse(text.statements().get(0), Decision.Basis.UNANALYSABLE,
                    "pgwarden could not analyse this statement: a prepared statement may hold only one "
                            + "command; it was refused");
        }
        if (text.size() == 0) {
            return decide(principal, text, context);
        }
        return decide(principal, text.statements().get(0), context, null);
    }

    public Decision decideStatement(PolicyPrincipal principal, String statement, Estimator estimator) {
        return decideStatement(principal, statement, DecisionContext.of(estimator));
    }

    /** One statement; {@code trace}, when not null, receives a line per rule for {@link PolicyTester}. */
    Decision decide(PolicyPrincipal principal, StatementAnalysis a, DecisionContext context, List<String> trace) {
        Decision refused = alwaysRefused(a, principal);
        if (refused != null) {
            return refused;
        }
        if (a.prepared() != null && a.prepared().use() == PreparedRef.Use.EXECUTE) {
            Optional<String> query = context.prepared().query(a.prepared().name());
            if (query.isEmpty()) {
                return refuse(a, Decision.Basis.UNKNOWN_PREPARED, "pgwarden does not know which query prepared "
                        + "statement \"" + a.prepared().name() + "\" holds in this session (it was not prepared "
                        + "through pgwarden, or it was prepared again or deallocated in a way pgwarden cannot "
                        + "follow); it was refused");
            }
            a = a.withPrepared(analyzer.analyze(query.get()));
            refused = alwaysRefused(a, principal);
            if (refused != null) {
                return refused;
            }
        }
        if (!a.analyzable()) {
            if (a.plannerQuery() == null || context.fallback() == PlannerFallback.NONE) {
                return unanalysable(a, a.problem());
            }
            try {
                String why = a.problem();
                a = a.withPlannerLineage(context.fallback().lineage(a.plannerQuery()));
                if (trace != null) {
                    trace.add("(what it reads comes from the planner: " + why + ")");
                }
            } catch (Exception e) {
                return unanalysable(a, a.problem() + "; the planner could not say either ("
                        + e.getMessage() + ")");
            }
        }
        return applyMasking(a, rules(principal, a, context, trace));
    }

    private Decision alwaysRefused(StatementAnalysis a, PolicyPrincipal principal) {
        return switch (a.kind()) {
            case ROLE_CHANGE -> refuse(a, Decision.Basis.ROLE_CHANGE,
                    "pgwarden does not let a session change its role or user: " + a.problem());
            case GATEWAY_SETTING -> refuse(a, Decision.Basis.GATEWAY_SETTING,
                    "pgwarden does not allow this setting change: " + a.problem());
            default -> a.readWrite() != null && policy.readOnlyFor(principal.groups())
                    ? refuse(a, Decision.Basis.GATEWAY_SETTING, "pgwarden does not allow this setting change: "
                            + "the session is read-only, and " + a.readWrite() + " would make it writable")
                    : null;
        };
    }

    private Decision unanalysable(StatementAnalysis a, String why) {
        return refuse(a, Decision.Basis.UNANALYSABLE,
                "pgwarden could not analyse this statement: " + why + "; it was refused");
    }

    private Decision refuse(StatementAnalysis a, Decision.Basis basis, String message) {
        return new Decision(Action.BLOCK, basis, Decision.INSUFFICIENT_PRIVILEGE, message, null, policy.version(),
                a.kinds(), a.tables(), OptionalLong.empty(), OptionalInt.empty(), Set.of());
    }

    /** First matching rule wins; none: the default. */
    private Decision rules(PolicyPrincipal principal, StatementAnalysis a, DecisionContext context,
            List<String> trace) {
        List<Rule> rules = policy.rules();
        Estimate estimate = null;
        StreamLimit limit = null;
        SideEffect sideEffect = null;
        for (int i = 0; i < rules.size(); i++) {
            Rule rule = rules.get(i);
            RuleMatcher.Check check = RuleMatcher.check(rule, principal.groups(), a);
            if (check.fails()) {
                note(trace, rule, "no: " + check.explanation);
                continue;
            }
            boolean unknown = check == RuleMatcher.Check.UNKNOWN;
            boolean allow = rule.action() == Action.ALLOW;
            String cause = null;
            boolean provisional = false;
            if (rule.match().volatileFunctions() && !(unknown && allow)) {
                if (sideEffect == null) {
                    sideEffect = SideEffect.of(a, context.volatility());
                }
                if (sideEffect.effect.changes() == Truth.NO) {
                    note(trace, rule, "no: it calls no function that PostgreSQL marks volatile (beyond harmless "
                            + "built-ins), directly, through an operator or through what it reads");
                    continue;
                }
                provisional = sideEffect.effect.changes() == Truth.UNKNOWN;
                unknown |= provisional;
                cause = sideEffect.effect.why();
            }
            if (rule.match().needsEstimate() && !(unknown && allow)) {
                if (estimate == null) {
                    estimate = new Estimate();
                }
                Truth over = estimate.over(rule.match().estimatedRowsOver(), a, context.estimator());
                if (estimate.refusal != null) {
                    Decision refused = plannerRefused(rule, a, estimate, trace);
                    if (refused != null) {
                        return refused;
                    }
                    // Only reads: PostgreSQL answers for itself, and if the session does see what the
                    // planner could not (its own temporary table), the stream is held to the threshold.
                    if (!allow) {
                        limit = StreamLimit.stricter(limit, StreamLimit.of(rule, 0));
                    }
                    continue;
                }
                if (over == Truth.NO) {
                    boolean streamHeld = !allow && a.plannableSql() != null;
                    note(trace, rule, "no: " + estimate.describe(rule.match().estimatedRowsOver(), a)
                            + (streamHeld ? "; its result stream is held to that many rows" : ""));
                    if (streamHeld) {
                        // Under the threshold by the planner's guess: the stream must stay under it too.
                        limit = StreamLimit.stricter(limit, StreamLimit.of(rule, estimate.width()));
                    }
                    continue;
                }
                unknown |= over == Truth.UNKNOWN;
            }
            if (unknown && allow) {
                note(trace, rule, "no: an allow rule needs every condition known, and some are not");
                continue;
            }
            note(trace, rule, (unknown ? "MATCH (unknown conditions read restrictively)" : "MATCH")
                    + (cause == null ? "" : ": " + cause));
            return verdict(rule.action(), Decision.Basis.RULE, rule, a, estimate, cause,
                    provisional || Estimate.incomplete(estimate), limit);
        }
        note(trace, null, "no rule matched: default " + policy.defaultAction().policyName());
        // an allow rule passed over for an unresolved name may match once the catalog lists it
        return verdict(policy.defaultAction(), Decision.Basis.DEFAULT, null, a, estimate, null,
                sideEffect != null && sideEffect.effect.changes() == Truth.UNKNOWN || Estimate.incomplete(estimate),
                limit);
    }

    private static final Set<StatementKind> ONLY_READS = Set.of(StatementKind.SELECT, StatementKind.COPY_OUT,
            StatementKind.EXPLAIN);

    /**
     * The planner refused the statement ({@link PlannerRefusal}): a statement that writes gets
     * PostgreSQL's own error (never an approval request a person would have to read); a read
     * goes on (null) and PostgreSQL answers it. Either way the decision is made afresh next time
     * (provisional), so a GRANT takes effect at once.
     */
    private Decision plannerRefused(Rule rule, StatementAnalysis a, Estimate estimate, List<String> trace) {
        PlannerRefusal r = estimate.refusal;
        boolean onlyReads = ONLY_READS.containsAll(a.kinds());
        note(trace, rule, "no: PostgreSQL refused to plan it (" + r.sqlState() + " " + r.getMessage() + ")"
                + (onlyReads ? "; it answers the statement itself, whose result stream is held to the threshold"
                        : "; refused with PostgreSQL's error"));
        if (onlyReads) {
            return null;
        }
        return new Decision(Action.BLOCK, Decision.Basis.RULE, r.sqlState(), r.getMessage(), rule.name(),
                policy.version(), a.kinds(), a.tables(), OptionalLong.empty(), OptionalInt.empty(), Set.of(),
                "PostgreSQL refused to plan it for this role, so it was not run", true, List.of());
    }

    private Decision verdict(Action action, Decision.Basis basis, Rule rule, StatementAnalysis a,
            Estimate estimate, String cause, boolean provisional, StreamLimit limit) {
        OptionalLong rows = estimate == null ? OptionalLong.empty() : estimate.value();
        String ruleName = rule == null ? null : rule.name();
        return switch (action) {
            case ALLOW -> new Decision(action, basis, null, null, ruleName, policy.version(), a.kinds(), a.tables(),
                    rows, OptionalInt.empty(), Set.of(), null, provisional, limit == null ? List.of() : List.of(limit));
            case BLOCK -> new Decision(action, basis, Decision.INSUFFICIENT_PRIVILEGE,
                    rule == null ? "statement blocked by the policy's default action"
                            : rule.message() != null ? rule.message()
                                    : "statement blocked by policy rule '" + rule.name() + "'",
                    ruleName, policy.version(), a.kinds(), a.tables(), rows, OptionalInt.empty(), Set.of(), cause,
                    provisional, List.of());
            case REQUIRE_APPROVAL -> new Decision(action, basis, Decision.INSUFFICIENT_PRIVILEGE,
                    rule == null ? "statement requires approval (policy default)"
                            : rule.message() != null ? rule.message()
                                    : "statement requires approval under policy rule '" + rule.name() + "'",
                    ruleName, policy.version(), a.kinds(), a.tables(), rows,
                    rule != null && rule.grantMinutes() > 0 ? OptionalInt.of(rule.grantMinutes())
                            : OptionalInt.empty(),
                    Set.of(), cause, provisional, List.of());
        };
    }

    /** Masked columns the result computes from: listed for the masking stage, or refused (on_derived: block). */
    private Decision applyMasking(StatementAnalysis a, Decision d) {
        MaskingSection masking = policy.masking();
        if (d.action() == Action.BLOCK || masking.columns().isEmpty() || a.derivedColumns().isEmpty()) {
            return d;
        }
        List<ColumnRef> hits = new ArrayList<>();
        for (ColumnRef c : a.derivedColumns()) {
            if (masking.covers(c)) {
                hits.add(c);
            }
        }
        if (hits.isEmpty()) {
            return d;
        }
        if (masking.onDerived() == DerivedValues.BLOCK) {
            return new Decision(Action.BLOCK, Decision.Basis.DERIVED_MASKED, Decision.INSUFFICIENT_PRIVILEGE,
                    "statement computes values from masked column" + (hits.size() > 1 ? "s " : " ")
                            + String.join(", ", hits.stream().map(ColumnRef::toString).toList())
                            + "; the policy refuses derived values of masked columns",
                    null, policy.version(), a.kinds(), a.tables(), d.estimatedRows(), OptionalInt.empty(), Set.of());
        }
        return new Decision(d.action(), d.basis(), d.sqlState(), d.message(), d.rule(), d.policyVersion(),
                d.kinds(), d.tables(), d.estimatedRows(), d.grantMinutes(), Sets.ordered(hits), d.cause(),
                d.provisional(), d.streamLimits());
    }

    private static void note(List<String> trace, Rule rule, String line) {
        if (trace != null) {
            trace.add(rule == null ? line : rule.name() + ": " + line);
        }
    }

    /** The session's prepared statements as seen by later statements of the same query string. */
    private static final class InStringPrepared implements PreparedStatements {
        private final PreparedStatements session;
        private final Map<String, String> changed = new HashMap<>(); // name -> query; null value: deallocated
        private boolean allDeallocated;

        InStringPrepared(PreparedStatements session) {
            this.session = session;
        }

        void apply(PreparedRef ref) {
            if (ref.use() == PreparedRef.Use.DEFINE) {
                changed.put(ref.name(), ref.query());
            } else if (ref.name() == null) {
                changed.clear();
                allDeallocated = true;
            } else {
                changed.put(ref.name(), null);
            }
        }

        @Override
        public Optional<String> query(String name) {
            if (changed.containsKey(name)) {
                return Optional.ofNullable(changed.get(name));
            }
            return allDeallocated ? Optional.empty() : session.query(name);
        }
    }

    /**
     * Whether one statement reaches a function with side effects, looked up at most once; a name the snapshot
     * does not list makes the source read the catalog again (once) before the name counts as unknown.
     */
    private record SideEffect(VolatilityCatalog.Effect effect) {

        static SideEffect of(StatementAnalysis a, VolatilitySource source) {
            VolatilityCatalog.Effect e = VolatileCalls.find(a, source.current(), false);
            if (e.changes() != Truth.UNKNOWN) {
                return new SideEffect(e);
            }
            try {
                VolatilityCatalog fresh = source.reload();
                if (fresh != null) {
                    e = VolatileCalls.find(a, fresh, true);
                }
            } catch (Exception ex) {
                e = new VolatilityCatalog.Effect(Truth.UNKNOWN, e.why() + "; reading the catalog again failed ("
                        + ex.getMessage() + ")");
            }
            return new SideEffect(e);
        }
    }

    /** The row estimate for one statement, asked for at most once. */
    private static final class Estimate {
        private boolean asked;
        private long rows;
        private long width;
        private String failure;
        private PlannerRefusal refusal;

        /** An estimate was asked for and none came: a decision on it must not be reused. */
        static boolean incomplete(Estimate e) {
            return e != null && (e.failure != null || e.refusal != null);
        }

        Truth over(long threshold, StatementAnalysis a, Estimator estimator) {
            if (a.plannableSql() == null) {
                return Truth.NO; // nothing that returns or changes rows (or a PREPARE: estimated at EXECUTE)
            }
            if (!asked) {
                asked = true;
                try {
                    PlanEstimate plan = estimator.plan(a.plannableSql());
                    rows = plan.rows();
                    width = plan.width();
                } catch (PlannerRefusal e) {
                    refusal = e;
                } catch (Exception e) {
                    failure = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
                }
            }
            if (failure != null || refusal != null) {
                return Truth.UNKNOWN;
            }
            return rows > threshold ? Truth.YES : Truth.NO;
        }

        OptionalLong value() {
            return asked && failure == null ? OptionalLong.of(rows) : OptionalLong.empty();
        }

        long width() {
            return width;
        }

        String describe(long threshold, StatementAnalysis a) {
            if (a.plannableSql() == null) {
                return "no row estimate applies to this statement";
            }
            return "estimated " + rows + " rows, not over " + threshold;
        }
    }
}
