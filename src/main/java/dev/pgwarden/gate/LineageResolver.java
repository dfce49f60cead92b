package dev.pgwarden.gate;

import dev.pgwarden.proxy.ResultLineage;
import dev.pgwarden.sql.TableName;
import dev.pgwarden.policy.AnalyzedText;
import dev.pgwarden.policy.PreparedRef;
import dev.pgwarden.policy.StatementAnalyzer;
import dev.pgwarden.policy.StatementAnalysis;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.jboss.logging.Logger;

import dev.pgwarden.masking.MaskFunction;
import dev.pgwarden.masking.CopyFormat;
import dev.pgwarden.masking.CopyOptions;
import dev.pgwarden.masking.MaskingRules;
import dev.pgwarden.masking.ResultMasker;
import dev.pgwarden.masking.StatementMasks;
import dev.pgwarden.lineage.BaseColumn;
import dev.pgwarden.lineage.BaseTable;
import dev.pgwarden.lineage.ExplainQuery;
import dev.pgwarden.lineage.Lineage;
import dev.pgwarden.lineage.OutputLineage;
import dev.pgwarden.lineage.MaskedColumns;
import dev.pgwarden.lineage.PlanLineage;
import dev.pgwarden.lineage.StatementShape;
import dev.pgwarden.lineage.ValueUse;
import dev.pgwarden.lineage.ValueUses;
import dev.pgwarden.sql.Fingerprint;
import dev.pgwarden.sql.StatementKind;
import dev.pgwarden.proxy.CatalogCache;
import dev.pgwarden.proxy.SessionInfo;
import dev.pgwarden.proxy.StatementGate.Verdict;
import dev.pgwarden.wire.PgError;
import dev.pgwarden.wire.SqlState;
import io.vertx.core.Future;

/**
 * Asks the planner which base columns each output of a statement derives from, for statements
 * that read a view or a table with masked columns: views, CTEs, subqueries, inlined SQL functions
 * and whole-row references all resolve to base columns in {@code EXPLAIN (VERBOSE)}. Outputs that
 * derive from a masked column are then masked whole (a direct column keeps its own function).
 *
 * <p>The same plan says what else the statement does with masked values (conditions, joins,
 * ordering, grouping, computations that can fail, writes): {@code masking.predicates} decides
 * which of those are refused (42501), and the equality lookups are counted on the statement's
 * {@link StatementMasks}. With predicates other than {@code allow}, statements that return no rows
 * but read masked columns through a plan (UPDATE/DELETE/INSERT/MERGE, EXPLAIN ANALYZE, PREPARE,
 * CREATE TABLE AS) are explained too.
 *
 * <p>Runs on one event loop, with a side connection per role; results are cached per role and text
 * (and forgotten when the policy changes). Whether a statement needs the planner, and its kinds,
 * are cached by the verdict's fingerprint: what they are read from, the client text's
 * {@link AnalyzedText}, is asked of the gate's analyzer only when that cache misses.
 */
public final class LineageResolver implements ResultLineage, AutoCloseable {
    private static final Logger LOG = Logger.getLogger(LineageResolver.class);
    private static final Pattern IDENT = Pattern.compile("\"((?:[^\"]|\"\")+)\"|([A-Za-z_][A-Za-z0-9_$]*)");
    private static final int CACHE_LIMIT = 5_000;
    /** A subquery whose comparison PostgreSQL 15's plan does not print (IN, op ANY/ALL/SOME, EXISTS). */
    private static final Pattern COMPARED_SUBQUERY = Pattern.compile(
            "(?is)\\b(?:in|any|all|some|exists)\\s*\\((?:\\s*\\()*\\s*(?:select|with|values|table)\\b");
    /** COPY table [(columns)] TO ...: group 1 the (possibly qualified) table, group 2 the column list. */
    private static final Pattern TABLE_COPY_OUT = Pattern.compile(
            "(?is)^\\s*copy\\s+((?:\"[^\"]+\"|[a-z_][a-z0-9_$]*)(?:\\s*\\.\\s*(?:\"[^\"]+\"|[a-z_][a-z0-9_$]*))?)"
                    + "\\s*(\\([^)]*\\))?\\s*to\\b");

    private final CatalogCache catalog;
    private final SideConnections side;
    private final Supplier<ResultMasker> masking;
    private final Map<String, Future<Planned>> cache = new HashMap<>();
    /** The masking policy the cache was made under: another policy may mask or allow otherwise. */
    private MaskingRules cachedFor;
    private long cachedAtCatalog;
    /** Names a plan read that the catalog did not list, and the catalog version when a reload was asked for them. */
    private final Map<String, Long> reloadedFor = new HashMap<>();
    private final StatementAnalyzer analyzer;

    private enum Need { NO, PLANNER, UNKNOWN_RELATION }

    /**
     * What the planner said about one statement.
     *
     * @param masks   the result columns' masks from the plan, or null when the plan's outputs are not
     *                the statement's result (DML without RETURNING, EXPLAIN ANALYZE, PREPARE)
     * @param lookups equality lookups on masked columns
     * @param refusal what masking.predicates refuses, or null
     */
    private record Planned(StatementMasks masks, int lookups, PgError refusal) {
    }

    /** Statement {@code statement} of every text with this fingerprint, under this policy and catalog. */
    private record NeedKey(MaskingRules policy, long catalogVersion, String fingerprint, int statement) {
    }

    /** What a statement's fingerprint tells: whether masking needs the planner, and the statement's kinds. */
    private record Reading(Need need, Set<StatementKind> kinds) {
    }

    private final Map<NeedKey, Reading> needs = new HashMap<>();

    /** @param analyzer the gate's statement analyzer (its cache already holds the texts decided), or null */
    public LineageResolver(CatalogCache catalog, SideConnections side, Supplier<ResultMasker> masking,
            StatementAnalyzer analyzer) {
        this.catalog = catalog;
        this.side = side;
        this.masking = masking;
        this.analyzer = analyzer;
    }

    /**
     * Why a COPY out cannot be masked, or null: the rewriter masks its data field by field, so it must
     * read the layout the statement's options declare; binary data it cannot mask at all.
     */
    private static PgError unmaskableCopy(String sql) {
        if (!CopyOptions.copiesOut(sql)) {
            return null;
        }
        CopyFormat layout = CopyOptions.declared(sql);
        if (layout == null) {
            return PgError.error(SqlState.INSUFFICIENT_PRIVILEGE, "pgwarden masks COPY data field by field and "
                    + "cannot read this COPY's options, so it refuses it (it reads COPY ... TO STDOUT with FORMAT text "
                    + "or csv, DELIMITER, NULL, HEADER, QUOTE, ESCAPE, FORCE_QUOTE and ENCODING 'UTF8')");
        }
        return layout.isBinary() ? PgError.error(SqlState.INSUFFICIENT_PRIVILEGE,
                "binary COPY cannot be masked, so pgwarden refuses it; use the text or csv format") : null;
    }

    /** Adds planner lineage to an allowed verdict where masking needs it. Call on this loop. */
    @Override
    public Future<Verdict> resolve(SessionInfo session, String text, Verdict verdict, boolean extended) {
        return resolve(session, text, verdict, extended, true);
    }

    private Future<Verdict> resolve(SessionInfo session, String text, Verdict verdict, boolean extended,
            boolean mayReload) {
        if (verdict.refusal() != null) {
            return Future.succeededFuture(verdict);
        }
        ResultMasker masker = masking.get();
        List<String> statements = verdict.statements();
        if (!masker.inactive()) {
            for (String sql : statements) {
                PgError unmaskable = unmaskableCopy(sql);
                if (unmaskable != null) {
                    return Future.succeededFuture(Verdict.refuse(unmaskable));
                }
            }
        }
        MaskingRules policy = masker.policy();
        if (policy.rules().isEmpty()) {
            return Future.succeededFuture(verdict);
        }
        List<Future<Planned>> parts = new ArrayList<>(statements.size());
        boolean any = false;
        for (int i = 0; i < statements.size(); i++) {
            String sql = statements.get(i);
            Matcher tableCopy = TABLE_COPY_OUT.matcher(sql);
            if (tableCopy.find()) {
                StatementMasks m = tableCopyMasks(tableCopy.group(1), tableCopy.group(2), policy);
                if (m == null && mayReload && catalog.mayReloadForUnknownName()) {
                    return catalog.reload().transform(r -> resolve(session, text, verdict, extended, false));
                }
                parts.add(Future.succeededFuture(new Planned(m != null ? m : verdict.masksOf(i), 0, null)));
                any = true;
                continue;
            }
            String executed = executedQuery(session, text, i, sql);
            if (executed != null) {
                parts.add(executeLookups(session, executed, verdict.masksOf(i), extended, policy, verdict.policyVersion()));
                any = true;
                continue;
            }
            Reading reading = need(text, i, sql, verdict.fingerprint(), policy);
            Need need = reading.need();
            if (need == Need.UNKNOWN_RELATION) {
                if (mayReload && catalog.mayReloadForUnknownName()) {
                    // A relation created since the catalog was read (a new view, say): read it again first.
                    return catalog.reload().transform(r -> resolve(session, text, verdict, extended, false));
                }
                need = Need.PLANNER; // still unknown: the planner sees what it is and what it reads
            }
            if (need != Need.NO) {
                StatementMasks fallback = verdict.masksOf(i);
                Set<StatementKind> kinds = reading.kinds();
                parts.add(lineage(session.role(), sql, kinds, extended, policy, verdict.policyVersion())
                        .map(p -> {
                            if (p.refusal() != null) {
                                return p;
                            }
                            // A PREPARE runs nothing: its lookups count at each EXECUTE (executeLookups).
                            int lookups = p.lookups() > 0 && ExplainTarget.of(sql, kinds).bindsLater() ? 0 : p.lookups();
                            return new Planned((p.masks() != null && p.masks().known() ? p.masks() : fallback)
                                    .withEqualityLookups(lookups), lookups, null);
                        }));
                any = true;
            } else {
                parts.add(Future.succeededFuture(new Planned(verdict.masksOf(i), 0, null)));
            }
        }
        if (!any) {
            return Future.succeededFuture(verdict);
        }
        return Future.join(new ArrayList<>(parts)).transform(done -> {
            List<StatementMasks> masks = new ArrayList<>(parts.size());
            for (Future<Planned> f : parts) {
                if (f.failed()) {
                    // Fail closed: a result we cannot trace through its views is not sent.
                    return Future.succeededFuture(Verdict.refuse(PgError.error(SqlState.INSUFFICIENT_PRIVILEGE,
                            "pgwarden could not trace the columns of this statement to mask them, so it was refused: "
                                    + f.cause().getMessage())));
                }
                if (f.result().refusal() != null) {
                    return Future.succeededFuture(Verdict.refuse(f.result().refusal()));
                }
                masks.add(f.result().masks());
            }
            return Future.succeededFuture(verdict.withMasks(masks));
        });
    }

    /**
     * The query an SQL-level {@code EXECUTE name(...)} runs, as the session PREPAREd it, or null when the
     * statement is not one or the name holds no query the gate knows (the gate refuses that EXECUTE).
     */
    private String executedQuery(SessionInfo session, String text, int i, String sql) {
        if (session.sqlPrepared().isEmpty() || !mentionsExecute(sql)) {
            return null; // the hot path: most statements and sessions have nothing to look up
        }
        StatementAnalysis a = analysis(text, i);
        PreparedRef ref = a == null ? null : a.prepared();
        if (ref == null || ref.use() != PreparedRef.Use.EXECUTE || ref.name() == null) {
            return null;
        }
        return session.preparedQuery(ref.name());
    }

    /** A keyword cannot be split by comments or quoting: a statement without these letters is no EXECUTE. */
    private static boolean mentionsExecute(String sql) {
        for (int at = 0; at + 7 <= sql.length(); at++) {
            if (sql.regionMatches(true, at, "execute", 0, 7)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Each run of an SQL-prepared statement makes its query's equality lookups on masked columns again,
     * so each EXECUTE counts them: the planner reads the query as it read the PREPARE (its {@code $n}
     * bound later); the masks stay the gate's, which it took from that query too.
     */
    private Future<Planned> executeLookups(SessionInfo session, String query, StatementMasks masks, boolean extended,
            MaskingRules policy, String policyVersion) {
        if (computeNeed(query, null, Set.of(), policy) == Need.NO) {
            return Future.succeededFuture(new Planned(masks, 0, null));
        }
        return lineage(session.role(), "PREPARE pgwarden_execute AS " + query, Set.of(), extended, policy, policyVersion)
                .map(p -> p.refusal() != null ? p
                        : new Planned(masks.withEqualityLookups(p.lookups()), p.lookups(), null));
    }

    /**
     * Only statements that read a view or a table with masked columns need the planner: those that
     * return rows (for masking), and with {@code masking.predicates} other than allow those that read
     * through a plan without returning its rows (for the predicate check). A relation the catalog
     * does not list yet calls for a catalog reload first.
     *
     * @param text        the client's text
     * @param i           which of its statements
     * @param sql         that statement
     * @param fingerprint the verdict's fingerprint of the text, or null (then the statement's own is taken)
     */
    private Reading need(String text, int i, String sql, String fingerprint, MaskingRules policy) {
        // Keyed like the decision cache: WHERE aid = 1 and WHERE aid = 2 read the same relations.
        NeedKey key = fingerprint != null ? new NeedKey(policy, catalog.version(), fingerprint, i)
                : new NeedKey(policy, catalog.version(), Fingerprint.of(sql), 0);
        Reading cached = needs.get(key);
        if (cached != null) {
            return cached;
        }
        StatementAnalysis analysis = analysis(text, i);
        Set<StatementKind> kinds = analysis == null ? Set.of() : analysis.kinds();
        Reading reading = new Reading(computeNeed(sql, analysis, kinds, policy), kinds);
        if (reading.need() != Need.UNKNOWN_RELATION) {
            if (needs.size() >= CACHE_LIMIT) {
                needs.clear();
            }
            needs.put(key, reading);
        }
        return reading;
    }

    /**
     * Statement {@code i} of the client's text as the gate's analyzer read it (its cache holds the
     * texts it decided); null without an analyzer.
     */
    private StatementAnalysis analysis(String text, int i) {
        if (analyzer == null) {
            return null;
        }
        AnalyzedText analyzed = analyzer.analyzeText(text);
        return i < analyzed.size() ? analyzed.statements().get(i) : null;
    }

    /** @param analysis the statement's analysis, or null when there is none (no policy analyzer) */
    private Need computeNeed(String sql, StatementAnalysis analysis, Set<StatementKind> kinds, MaskingRules policy) {
        ExplainTarget target = ExplainTarget.of(sql, kinds);
        if (target == null || !target.returnsItsRows() && policy.predicates() == MaskingRules.Predicates.ALLOW) {
            return Need.NO;
        }
        if (analysis != null) {
            boolean unknown = false;
            for (TableName t : analysis.tables()) {
                List<CatalogCache.Relation> rels = catalog.relations(t.name());
                unknown |= rels.isEmpty();
                for (CatalogCache.Relation r : rels) {
                    if (r.kind() == 'v' || r.kind() == 'm' || hasMasked(r, policy)) {
                        return Need.PLANNER;
                    }
                }
            }
            if (unknown) {
                return Need.UNKNOWN_RELATION;
            }
        }
        // Names the parser may not have reported (functions' arguments, unparsed text): any identifier.
        Matcher m = IDENT.matcher(sql);
        while (m.find()) {
            String name = m.group(1) != null ? m.group(1).replace("\"\"", "\"") : m.group(2).toLowerCase(Locale.ROOT);
            for (CatalogCache.Relation r : catalog.relations(name)) {
                if (r.kind() == 'v' || r.kind() == 'm' || hasMasked(r, policy)) {
                    return Need.PLANNER;
                }
            }
        }
        return Need.NO;
    }

    private static boolean hasMasked(CatalogCache.Relation r, MaskingRules policy) {
        for (String c : r.columns()) {
            if (policy.forColumn(r.schema(), r.name(), c).isPresent()
                    || policy.forColumn(r.rootSchema(), r.rootName(), c).isPresent()) {
                return true;
            }
        }
        return false;
    }

    /** A rule names the column itself or, for a partition, the column of its partitioned table. */
    private boolean masked(String schema, String table, String column, MaskingRules policy) {
        if (policy.forColumn(schema, table, column).isPresent()) {
            return true;
        }
        return catalog.relation(schema, table)
                .map(r -> policy.forColumn(r.rootSchema(), r.rootName(), column).isPresent())
                .orElse(false);
    }

    /** @param kinds the statement's kinds as the policy's analysis read them (empty when unknown) */
    private Future<Planned> lineage(String role, String sql, Set<StatementKind> kinds, boolean extended,
            MaskingRules policy, String policyVersion) {
        if (cachedFor != policy || cachedAtCatalog != catalog.version()) {
            cache.clear(); // another policy, or a catalog read again because it changed
            cachedFor = policy;
            cachedAtCatalog = catalog.version();
        }
        String key = role + '\0' + extended + '\0' + sql;
        Future<Planned> cached = cache.get(key);
        if (cached != null) {
            return cached;
        }
        String explain;
        ExplainTarget target;
        int params;
        try {
            target = ExplainTarget.of(sql, kinds);
            if (target == null) {
                throw new IllegalArgumentException("no query to plan in this statement");
            }
            String query = target.query();
            explain = ExplainQuery.forStatement(query);
            params = extended || target.bindsLater() ? Placeholders.count(query) : 0;
            if (params > 0) {
                explain = GenericPlan.explainShifted("pgwarden_lineage", "VERBOSE, FORMAT JSON", query, params);
            }
        } catch (IllegalArgumentException e) {
            return Future.failedFuture(e.getMessage());
        }
        StatementShape shape = new StatementShape(params > 0 ? GenericPlan.CLIENT_OFFSET : 0, params,
                target.resultIsWritten(), COMPARED_SUBQUERY.matcher(target.query()).find());
        Future<Planned> f = side.forRole(role).query(explain).compose(rows -> {
            String json = rows.get(rows.size() - 1).get(0);
            PlanLineage.Analysis analysis = PlanLineage.analyze(json, maskedColumns(policy), shape);
            if (!catalogMissesPartOf(analysis)) {
                return Future.succeededFuture(planned(analysis, target, policy, policyVersion));
            }
            // A relation or index created since the catalog was read: read it again, then judge the plan.
            return catalog.reload().transform(r -> Future.succeededFuture(planned(
                    PlanLineage.analyze(json, maskedColumns(policy), shape), target, policy, policyVersion)));
        });
        f.onFailure(e -> {
            cache.remove(key);
            LOG.debugf("planner lineage failed: %s", e.getMessage());
        });
        if (cache.size() >= CACHE_LIMIT) {
            cache.clear();
        }
        cache.put(key, f);
        return f;
    }

    private Planned planned(PlanLineage.Analysis analysis, ExplainTarget target, MaskingRules policy,
            String policyVersion) {
        ValueUses uses = analysis.uses();
        StatementMasks masks = target.returnsItsRows() ? toMasks(analysis.lineage(), policy) : null;
        ValueUse refused = switch (policy.predicates()) {
            case ALLOW -> null;
            case LOOKUP -> uses.firstBeyondLookups().orElse(null);
            case BLOCK -> uses.first().orElse(null);
        };
        if (refused == null) {
            return new Planned(masks, uses.equalityLookups(), null);
        }
        String why = policy.predicates() == MaskingRules.Predicates.LOOKUP
                ? "with masking.predicates: lookup only equality lookups against literals or parameters are allowed"
                : "with masking.predicates: block a masked column may only be read into the result, masked";
        PgError error = PgError.error(SqlState.INSUFFICIENT_PRIVILEGE,
                "pgwarden refused this statement: it " + refused.action() + "; " + why);
        if (policyVersion != null) {
            error = error.withDetail("policy " + policyVersion + ", masking.predicates");
        }
        return new Planned(masks, uses.equalityLookups(), error);
    }

    /**
     * Whether the plan reads a relation or an index the catalog does not list (yet): what is masked
     * there, and what an index orders by, is only known after a reload. A name is reloaded for once
     * (again only if the catalog was reloaded since for other reasons), so a name the catalog cannot
     * see, such as another transaction's uncommitted table, costs one reload, not one per statement.
     */
    private boolean catalogMissesPartOf(PlanLineage.Analysis analysis) {
        List<String> missing = new ArrayList<>();
        for (BaseTable t : analysis.lineage().scannedRelations()) {
            if (t.schema() != null && catalog.relation(t.schema(), t.table()).isEmpty()) {
                missing.add("relation " + t);
            }
        }
        analysis.uses().unknownIndexes().forEach(i -> missing.add("index " + i));
        if (reloadedFor.size() > CACHE_LIMIT) {
            reloadedFor.clear();
        }
        boolean reload = false;
        for (String name : missing) {
            Long askedAt = reloadedFor.get(name);
            if (askedAt == null || catalog.version() > askedAt + 1) {
                reloadedFor.put(name, catalog.version());
                reload = true;
            }
        }
        return reload;
    }

    /** Which base columns the policy masks, by the catalog (partitions by their root's rules). */
    private MaskedColumns maskedColumns(MaskingRules policy) {
        return new MaskedColumns() {
            @Override
            public boolean masked(BaseColumn column) {
                return column.schema() != null
                        && LineageResolver.this.masked(column.schema(), column.table(), column.column(), policy);
            }

            @Override
            public Set<BaseColumn> maskedOf(BaseTable table) {
                Set<BaseColumn> out = new HashSet<>();
                if (table.schema() != null) {
                    catalog.relation(table.schema(), table.table()).ifPresent(r -> {
                        for (String c : r.columns()) {
                            if (policy.forColumn(r.schema(), r.name(), c).isPresent()
                                    || policy.forColumn(r.rootSchema(), r.rootName(), c).isPresent()) {
                                out.add(BaseColumn.of(table.schema(), table.table(), c));
                            }
                        }
                    });
                }
                return out;
            }

            @Override
            public Set<BaseColumn> indexColumns(String schema, String index) {
                return catalog.index(schema, index).map(i -> {
                    Set<BaseColumn> out = new HashSet<>();
                    i.columns().forEach(c -> out.add(BaseColumn.of(i.schema(), i.table(), c)));
                    return out;
                }).orElse(null);
            }
        };
    }

    /**
     * COPY carries no column types or table lineage, so a table's COPY is masked by the catalog's
     * column order; null when the table is not known to the catalog (yet).
     */
    private StatementMasks tableCopyMasks(String table, String columnList, MaskingRules policy) {
        String[] parts = table.split("\\s*\\.\\s*");
        String name = unquote(parts[parts.length - 1]);
        String schema = parts.length > 1 ? unquote(parts[0]) : null;
        CatalogCache.Relation rel = null;
        for (CatalogCache.Relation r : catalog.relations(name)) {
            if (schema == null ? r.schema().equals("public") || rel == null : r.schema().equals(schema)) {
                rel = r;
            }
        }
        if (rel == null) {
            return null;
        }
        List<String> columns = rel.columns();
        if (columnList != null) {
            columns = new ArrayList<>();
            for (String c : columnList.substring(1, columnList.length() - 1).split(",")) {
                columns.add(unquote(c.strip()));
            }
        }
        MaskFunction[] byColumn = new MaskFunction[columns.size()];
        for (int i = 0; i < byColumn.length; i++) {
            byColumn[i] = policy.forColumn(rel.schema(), rel.name(), columns.get(i)).orElse(null);
        }
        return StatementMasks.of(byColumn);
    }

    private static String unquote(String identifier) {
        return identifier.startsWith("\"") ? identifier.substring(1, identifier.length() - 1).replace("\"\"", "\"")
                : identifier.toLowerCase(Locale.ROOT);
    }

    private StatementMasks toMasks(Lineage lineage, MaskingRules policy) {
        MaskFunction[] byColumn = new MaskFunction[lineage.size()];
        for (int i = 0; i < byColumn.length; i++) {
            if (sensitive(lineage.output(i), policy)) {
                byColumn[i] = MaskFunction.REDACT; // a direct masked column keeps its own function (catalog)
            }
        }
        return StatementMasks.of(byColumn);
    }

    private boolean sensitive(OutputLineage out, MaskingRules policy) {
        for (BaseColumn c : out.columns()) {
            if (masked(c.schema(), c.table(), c.column(), policy)) {
                return true;
            }
        }
        for (BaseTable t : out.wholeRows()) {
            if (tableHasMasked(t, policy)) {
                return true;
            }
        }
        if (out.opaque()) {
            for (BaseTable t : out.relations()) {
                if (tableHasMasked(t, policy)) {
                    return true;
                }
            }
        }
        return false;
    }

    private boolean tableHasMasked(BaseTable t, MaskingRules policy) {
        return catalog.relation(t.schema(), t.table()).map(r -> hasMasked(r, policy)).orElse(false);
    }

    @Override
    public void close() {
        side.close();
    }
}
