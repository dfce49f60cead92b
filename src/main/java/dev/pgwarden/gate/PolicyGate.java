package dev.pgwarden.gate;

import java.util.ArrayList;
import java.util.Optional;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import dev.pgwarden.budgets.BudgetCheck;
import dev.pgwarden.budgets.BudgetScope;
import dev.pgwarden.masking.StatementMasks;
import dev.pgwarden.policy.Action;
import dev.pgwarden.policy.AnalyzedText;
import dev.pgwarden.policy.Budget;
import dev.pgwarden.policy.Decision;
import dev.pgwarden.policy.DecisionContext;
import dev.pgwarden.policy.Estimator;
import dev.pgwarden.policy.PlanEstimate;
import dev.pgwarden.policy.PlannerRefusal;
import dev.pgwarden.policy.Policy;
import dev.pgwarden.policy.PolicyEngine;
import dev.pgwarden.policy.PolicyPrincipal;
import dev.pgwarden.policy.PolicyStore;
import dev.pgwarden.policy.PreparedRef;
import dev.pgwarden.policy.StatementAnalysis;
import dev.pgwarden.policy.StatementAnalyzer;
import dev.pgwarden.sql.Fingerprint;
import dev.pgwarden.sql.SqlLexer;
import dev.pgwarden.sql.SqlToken;
import dev.pgwarden.sql.StatementKind;
import dev.pgwarden.policy.StreamLimit;
import dev.pgwarden.policy.VolatilityCatalog;
import dev.pgwarden.policy.VolatilitySource;
import dev.pgwarden.sql.TableName;
import dev.pgwarden.proxy.ResultLimit;
import dev.pgwarden.proxy.RowEstimates;
import dev.pgwarden.proxy.SessionInfo;
import dev.pgwarden.proxy.upstream.SideQueryClient;
import dev.pgwarden.proxy.StatementGate;
import dev.pgwarden.proxy.VolatilityCache;
import dev.pgwarden.wire.ObjectNames;
import dev.pgwarden.wire.PgError;
import dev.pgwarden.wire.SqlState;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

/**
 * The statement gate backed by the policy engine. Verdicts are cached per policy version, groups
 * and the text's {@link Fingerprint}, so a repeated statement, or one that differs only in numeric
 * literals, costs one scan of its text and one map lookup on the event loop; a new one is read
 * once into an {@link AnalyzedText} and decided on a worker thread (JSqlParser has a time budget,
 * and the planner may be asked), and the session waits for it.
 *
 * <p>A cached verdict is shared by every text with its fingerprint, so it holds what the decision
 * says (action, rule, masks, limits, budgets) and, until {@code forText} replaces them, the texts of
 * the one it was made for: a client always gets its own text in its statements, its approval
 * request and its stream limits' requests.
 */
@ApplicationScoped
public class PolicyGate implements StatementGate {
    private static final int CACHE_LIMIT = 20_000;
    private static final long ESTIMATE_TIMEOUT_SECONDS = 10;
    /** An estimate this many times under its threshold is cached (see {@link #cacheable}). */
    private static final long FAR_BELOW = 10;

    /** {@code volatility}: the version of the catalog snapshot decisions on volatile functions read. */
    private record Key(String policyVersion, Set<String> groups, String fingerprint, boolean extended,
            long volatility) {
    }

    private record Engine(String version, PolicyEngine engine) {
    }

    /**
     * A cached verdict, whether its text defines or drops SQL-level prepared statements, and the
     * budgets its statements count against (checked again on every use).
     */
    private record Cached(Verdict verdict, boolean prepares, BudgetScope budgets) {
    }

    private final PolicyStore store;
    private final Vertx vertx;
    private final BudgetCheck budgets;
    private final StatementAnalyzer analyzer = new StatementAnalyzer();
    private final Map<Key, Cached> verdicts = new ConcurrentHashMap<>();
    /** Bumped when the catalog changes: a decision begun before must not be cached after. */
    private volatile long catalogGeneration;
    private volatile Engine engine;

    @Inject
    public PolicyGate(PolicyStore store, Vertx vertx, BudgetCheck budgets) {
        this.store = store;
        this.vertx = vertx;
        this.budgets = budgets;
    }

    @Override
    public Future<Verdict> check(SessionInfo session, String sql, boolean extended) {
        Policy policy = store.current();
        VolatilityCache volatility = session.volatility();
        long catalogVersion = 0;
        if (volatility != null) {
            volatility.refreshIfStale();
            catalogVersion = volatility.snapshot().version();
        }
        Key key = new Key(policy.version(), session.principal().groups(), Fingerprint.of(sql), extended,
                catalogVersion);
        Cached cached = verdicts.get(key);
        if (cached != null) {
            if (cached.prepares()) {
                rememberPrepared(session, analyzer.analyzeText(sql));
            }
            Verdict v = forText(cached.verdict(), sql);
            return Future.succeededFuture(budgets.admit(session, sql, v, cached.budgets()));
        }
        PolicyEngine e = engineFor(policy);
        long generation = catalogGeneration;
        return vertx.executeBlocking(() -> decide(e, key, sql, session, generation), false)
                .map(d -> budgets.admit(session, sql, d.verdict(), d.budgets()));
    }

    /**
     * A cached verdict names the text it was first made for; give it this one's: its statements (a
     * single one is the text itself, nothing to read), its approval request and its stream limits'
     * requests. What was decided stays as it is.
     */
    private Verdict forText(Verdict v, String sql) {
        if (v.refusal() != null) {
            return v;
        }
        List<String> statements = v.statements().size() == 1 ? List.of(sql) : analyzer.split(sql);
        List<ResultLimit> limits = v.limits();
        if (!limits.isEmpty()) {
            List<ResultLimit> own = new ArrayList<>(limits.size());
            for (int i = 0; i < limits.size(); i++) {
                ResultLimit l = limits.get(i);
                own.add(l == null ? null : l.forText(i < statements.size() ? statements.get(i) : sql));
            }
            limits = Collections.unmodifiableList(own);
        }
        StatementGate.ApprovalNeed need = v.needsApproval();
        if (need != null) {
            // The request shows the text this client sent, not the one the verdict was first made for.
            need = new StatementGate.ApprovalNeed(need.rule(), need.message(), need.policyVersion(),
                    need.estimatedRows(), need.grantMinutes(), sql, need.fingerprint());
        }
        return new Verdict(null, statements, v.masks(), need, v.approved(), v.rule(), v.policyVersion(), limits,
                v.meters(), v.fingerprint());
    }

    /**
     * PostgreSQL's catalog changed (a table, view, function, grant or role membership): decisions
     * and the lineage and estimates they were made on may no longer hold, so none is reused, and one
     * being made right now is not kept. Any thread.
     */
    @Override
    public void catalogChanged() {
        catalogGeneration++;
        verdicts.clear();
    }

    private Cached decide(PolicyEngine e, Key key, String sql, SessionInfo session, long generation) {
        AnalyzedText text = analyzer.analyzeText(sql);
        PolicyPrincipal principal = new PolicyPrincipal(session.principal().subject(), key.groups());
        DecisionContext ctx = new DecisionContext(rowEstimator(session, key.extended()), null,
                name -> Optional.ofNullable(session.preparedQuery(name)), volatilitySource(session.volatility()));
        Decision d = key.extended() ? e.decideStatement(principal, text, ctx) : e.decide(principal, text, ctx);
        Verdict v = toVerdict(d, text);
        boolean prepares = v.refusal() == null && rememberPrepared(session, text);
        List<Budget> budgetsOfPolicy = e.policy().budgets();
        BudgetScope scope = v.refusal() != null || budgetsOfPolicy.isEmpty() ? BudgetScope.NONE
                : BudgetScope.of(budgetsOfPolicy, key.groups(), tablesPerStatement(d, text, session));
        Cached c = new Cached(v, prepares, scope);
        if (cacheable(d) && generation == catalogGeneration) {
            if (verdicts.size() >= CACHE_LIMIT) {
                verdicts.clear(); // crude but bounded; hot statements come back in one miss
            }
            verdicts.put(key, c);
        }
        return c;
    }

    /**
     * What each statement reads or writes, for its budgets: the decision's tables for a single
     * statement (they include an EXECUTE's prepared query and the planner's reading); in a string of
     * several, each statement's own, an EXECUTE's from the query it runs; null where unknown.
     */
    private List<Set<TableName>> tablesPerStatement(Decision d, AnalyzedText text, SessionInfo session) {
        if (text.size() <= 1) {
            return Collections.singletonList(text.size() == 1 && fetches(text.statements().get(0).sql()) ? null
                    : d.tables());
        }
        List<Set<TableName>> out = new ArrayList<>(text.size());
        for (StatementAnalysis a : text.statements()) {
            PreparedRef ref = a.prepared();
            if (fetches(a.sql())) {
                out.add(null);
            } else if (ref != null && ref.use() == PreparedRef.Use.EXECUTE) {
                String query = session.preparedQuery(ref.name());
                StatementAnalysis q = query == null ? null : analyzer.analyze(query);
                out.add(q == null || !q.analyzable() ? null : q.tables());
            } else {
                out.add(a.analyzable() ? a.tables() : null);
            }
        }
        return out;
    }

    /**
     * A FETCH reads its cursor's query, which the result tracker knows from the DECLARE it saw; a cursor
     * it does not know (forgotten after a rollback, named so the gateway cannot read it, opened by a
     * function) may read any table, so a FETCH counts against every budget of the principal, and the
     * tracker takes the cursor's own budgets instead where it knows them.
     */
    private static boolean fetches(String sql) {
        String lead = sql.stripLeading();
        if (lead.isEmpty() || "fF-/".indexOf(lead.charAt(0)) < 0) {
            return false; // not a FETCH by its first character (a comment may come first)
        }
        List<SqlToken> t = SqlLexer.lex(sql);
        return !t.isEmpty() && t.get(0).isWord("fetch");
    }

    /**
     * The planner's estimate, asked on the session's own connection role: runs on this worker
     * thread while the side query runs on the session's event loop.
     */
    private static Estimator rowEstimator(SessionInfo session, boolean extended) {
        return new Estimator() {
            @Override
            public long estimate(String sql) throws Exception {
                return plan(sql).rows();
            }

            @Override
            public PlanEstimate plan(String sql) throws Exception {
                RowEstimates.Estimate e;
                try {
                    e = session.estimates().estimate(sql, extended)
                            .toCompletionStage().toCompletableFuture().get(ESTIMATE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
                } catch (ExecutionException failed) {
                    if (failed.getCause() instanceof SideQueryClient.SideQueryFailure f && f.pgError() != null
                            && PlannerRefusal.refusesTheStatement(f.pgError().sqlState())) {
                        throw new PlannerRefusal(f.pgError().sqlState(), f.pgError().message());
                    }
                    throw failed;
                }
                return new PlanEstimate(e.rows(), e.width());
            }
        };
    }

    /**
     * The event loop's volatility snapshot as the engine asks for it: a statement naming something the snapshot
     * lacks waits on this worker thread while the catalog is read again on the loop.
     */
    public static VolatilitySource volatilitySource(VolatilityCache cache) {
        if (cache == null) {
            return VolatilitySource.NONE;
        }
        return new VolatilitySource() {
            @Override
            public VolatilityCatalog current() {
                return cache.snapshot();
            }

            @Override
            public VolatilityCatalog reload() throws Exception {
                return cache.reloadForUnknownName().toCompletionStage().toCompletableFuture()
                        .get(ESTIMATE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            }
        };
    }

    /**
     * Decisions that depend on session state are made afresh, and so are "could not analyse"
     * refusals: a parse that ran out of time on a loaded machine must not refuse that statement for
     * good (the analyzer keeps its own cache of truly hopeless texts), and decisions on a name the
     * catalog snapshot could not resolve (it may be created next). A decision on the data's current
     * size is kept only when the estimate was far below its threshold: the stream is held to the
     * threshold anyway, so a later misestimate costs an ask, never an unasked dump.
     */
    private static boolean cacheable(Decision d) {
        return (d.estimatedRows().isEmpty() || farBelowItsLimit(d)) && !d.kinds().contains(StatementKind.EXECUTE)
                && d.basis() != Decision.Basis.UNANALYSABLE && !d.provisional();
    }

    /** An estimate of a tenth of the rows it is held to, or less (one statement, allowed). */
    private static boolean farBelowItsLimit(Decision d) {
        if (d.action() != Action.ALLOW || d.streamLimits().size() != 1 || d.streamLimitOf(0) == null) {
            return false;
        }
        return d.estimatedRows().getAsLong() <= d.streamLimitOf(0).rows() / FAR_BELOW;
    }

    private static Verdict toVerdict(Decision d, AnalyzedText text) {
        if (d.action() == Action.ALLOW || d.action() == Action.REQUIRE_APPROVAL) {
            List<String> statements = text.parts();
            String fingerprint = text.fingerprint();
            StatementMasks masks = d.derivedMasked().isEmpty() ? StatementMasks.UNKNOWN : StatementMasks.MASK_COMPUTED;
            // the approver sees what made the rule hold when the text does not show it (a volatile function)
            String why = d.cause() == null ? d.message() : d.message() + " (" + d.cause() + ")";
            StatementGate.ApprovalNeed need = d.action() == Action.ALLOW ? null : new StatementGate.ApprovalNeed(d.rule(),
                    why, d.policyVersion(), d.estimatedRows().orElse(-1), d.grantMinutes().orElse(0), text.text(),
                    fingerprint);
            return new Verdict(null, statements, Collections.nCopies(statements.size(), masks), need, null,
                    d.rule(), d.policyVersion(), limits(d, statements, fingerprint), List.of(), fingerprint);
        }
        String message = d.message();
        String sqlState = d.sqlState() != null ? d.sqlState() : SqlState.INSUFFICIENT_PRIVILEGE;
        return Verdict.refuse(PgError.error(sqlState, message)
                .withDetail("policy " + d.policyVersion() + (d.rule() != null ? ", rule " + d.rule() : "")
                        + (d.cause() != null ? ": " + d.cause() : "")));
    }

    /** What each statement may stream under the estimate rules it passed. */
    private static List<ResultLimit> limits(Decision d, List<String> statements, String fingerprint) {
        if (!d.streamLimited()) {
            return List.of();
        }
        List<ResultLimit> limits = new ArrayList<>(statements.size());
        for (int i = 0; i < statements.size(); i++) {
            StreamLimit l = d.streamLimitOf(i);
            limits.add(l == null ? null : resultLimit(l, d.policyVersion(), statements.get(i), fingerprint));
        }
        return Collections.unmodifiableList(limits);
    }

    private static ResultLimit resultLimit(StreamLimit l, String policyVersion, String sql, String fingerprint) {
        if (l.action() == Action.REQUIRE_APPROVAL) {
            return ResultLimit.asking(l.rows(), l.bytes(), () -> new StatementGate.ApprovalNeed(l.rule(),
                    (l.message() == null ? "" : l.message() + ": ") + "the statement " + past(l)
                            + " although the planner expected fewer; the rest waits for approval",
                    policyVersion, -1, 0, sql, fingerprint));
        }
        return ResultLimit.stopping(l.rows(), l.bytes(), () -> PgError.error(SqlState.INSUFFICIENT_PRIVILEGE,
                (l.message() == null ? "statement blocked by policy rule '" + l.rule() + "'" : l.message())
                        + ": pgwarden stopped it when it " + past(l))
                .withDetail("policy " + policyVersion + ", rule " + l.rule()));
    }

    private static String past(StreamLimit l) {
        return "streamed more than " + l.rows() + " rows (or " + l.bytes() + " bytes), the limit of rule " + l.rule();
    }


    /**
     * SQL-level PREPARE name AS query: EXECUTE name is later decided on the query. This is recorded when
     * the statement is decided, before PostgreSQL runs it, so where PostgreSQL may keep another query under
     * the name the name turns {@link SessionInfo#UNCERTAIN}: a PREPARE of a name the session already has
     * (PostgreSQL refuses the duplicate and keeps the first, or the first had failed and it takes the
     * second), and a DEALLOCATE in a string of statements (an earlier one failing skips it). A DEALLOCATE
     * on its own marks the name {@link SessionInfo#DEALLOCATING} until PostgreSQL confirms it (it may fail,
     * or be skipped in an aborted transaction); the result tracker then frees the name.
     *
     * @return whether the text defines or drops prepared statements (so a cached verdict must
     *         record them again for each session)
     */
    private static boolean rememberPrepared(SessionInfo session, AnalyzedText text) {
        boolean any = false;
        for (StatementAnalysis a : text.statements()) {
            PreparedRef ref = a.prepared();
            if (ref == null) {
                continue;
            }
            // Keyed as PostgreSQL keys them: a long name is cut to 63 bytes, so two names may be one.
            String key = ref.name() == null ? null : ObjectNames.identifier(ref.name());
            switch (ref.use()) {
                case DEFINE -> {
                    session.sqlPrepared().merge(key, ref.query(), (was, now) -> SessionInfo.UNCERTAIN);
                    any = true;
                }
                case DEALLOCATE -> {
                    any = true;
                    // Freed once PostgreSQL confirms it (the result tracker); in a string of statements an
                    // earlier failure may skip it, and the name stays uncertain.
                    String marker = text.size() > 1 ? SessionInfo.UNCERTAIN : SessionInfo.DEALLOCATING;
                    session.sqlPrepared().replaceAll((name, q) -> key == null || name.equals(key) ? marker : q);
                }
                default -> {
                }
            }
        }
        return any;
    }

    private PolicyEngine engineFor(Policy policy) {
        Engine current = engine;
        if (current == null || !current.version().equals(policy.version())) {
            current = new Engine(policy.version(), new PolicyEngine(policy, analyzer));
            engine = current;
        }
        return current.engine();
    }

    /** The shared analyzer (its cache already holds every statement decided). */
    public StatementAnalyzer analyzer() {
        return analyzer;
    }

    @PreDestroy
    void close() {
        analyzer.close();
    }
}
