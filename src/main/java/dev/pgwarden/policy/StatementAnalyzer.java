package dev.pgwarden.policy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

import dev.pgwarden.lineage.ParserLineage;
import dev.pgwarden.policy.Classification.Use;
import dev.pgwarden.sql.ColumnRef;
import dev.pgwarden.sql.Fingerprint;
import dev.pgwarden.sql.FunctionName;
import dev.pgwarden.sql.Sets;
import dev.pgwarden.sql.SqlLexer;
import dev.pgwarden.sql.SqlToken;
import dev.pgwarden.sql.StatementKind;
import dev.pgwarden.sql.StatementSplitter;
import dev.pgwarden.sql.TableName;
import dev.pgwarden.sql.Truth;

/**
 * Works out what statements touch: {@link StatementSplitter} splits, {@link UtilityClassifier} reads utility
 * syntax, JSqlParser (on a bounded daemon pool, with a time budget) reads the queries. Results are cached by
 * text in bounded LRU maps, so a repeated query costs one map lookup. Each text is lexed once here
 * ({@link SqlLexer}) and its tokens handed to the splitter, the classifier, the guards and the parser's
 * input. A part of a longer string (several statements, a trailing semicolon) is a text of its own and
 * lexed once itself; so are the statements a statement wraps (EXPLAIN q, a DO body), where they are read.
 * A client's text becomes one {@link AnalyzedText} ({@link #analyzeText}), which every later stage reads.
 * The one place that splits simple-query strings. Thread-safe; share one instance and close it on shutdown.
 */
public final class StatementAnalyzer implements AutoCloseable {
    public static final int DEFAULT_THREADS = 2;
    public static final Duration DEFAULT_BUDGET = Duration.ofSeconds(2);
    public static final int DEFAULT_CACHE_ENTRIES = 10_000;
    // huge texts (bulk INSERTs) are analysed every time rather than pinned in the cache
    private static final int MAX_CACHED_LENGTH = 64 * 1024;

    private final BudgetedParser parser;
    private final LruCache<String, AnalyzedText> texts;
    /** Texts being read right now, by the thread that reads them. */
    private final Map<String, CompletableFuture<AnalyzedText>> reading = new ConcurrentHashMap<>();
    private final LruCache<String, StatementAnalysis> statements;

    public StatementAnalyzer() {
        this(DEFAULT_THREADS, DEFAULT_BUDGET, DEFAULT_CACHE_ENTRIES);
    }

    /**
     * @param parserThreads threads that run the SQL parser (they are daemons and exit when idle)
     * @param budget        longest a single query may take to parse; longer ones are refused as unparseable
     * @param cacheEntries  how many statement texts (and as many client texts) to remember
     */
    public StatementAnalyzer(int parserThreads, Duration budget, int cacheEntries) {
        this.parser = new BudgetedParser(parserThreads, budget, 64 * parserThreads);
        this.texts = new LruCache<>(cacheEntries);
        this.statements = new LruCache<>(cacheEntries);
    }

    /**
     * A client's text (a simple-query string, or a Parse message's statement), analysed once: lexed,
     * split, each statement analysed, fingerprinted. Cached by text; a text another thread is reading
     * is waited for, not read again.
     */
    public AnalyzedText analyzeText(String text) {
        AnalyzedText cached = texts.get(text);
        if (cached != null) {
            return cached;
        }
        // Many sessions sending one new statement at once: the first reads it, the others wait for it
        // (rather than each parsing it, which overflowed the parser's queue with 500 sessions).
        CompletableFuture<AnalyzedText> mine = new CompletableFuture<>();
        CompletableFuture<AnalyzedText> first = reading.putIfAbsent(text, mine);
        if (first != null) {
            return first.join();
        }
        try {
            AnalyzedText analyzed = read(text);
            mine.complete(analyzed);
            return analyzed;
        } catch (RuntimeException | Error e) {
            mine.completeExceptionally(e);
            throw e;
        } finally {
            reading.remove(text, mine);
        }
    }

    private AnalyzedText read(String text) {
        List<SqlToken> tokens = SqlLexer.lex(text);
        List<String> parts = StatementSplitter.split(text, tokens);
        List<StatementAnalysis> analyses = new ArrayList<>(parts.size());
        boolean cacheable = true;
        for (String part : parts) {
            // a part is a text of its own, unless it is the whole string (no semicolon, nothing around it)
            Result r = analyzeUncached(part, part.equals(text) ? tokens : null);
            analyses.add(r.analysis());
            cacheable &= r.cacheable();
        }
        AnalyzedText analyzed = new AnalyzedText(text, Fingerprint.of(text), parts, analyses);
        if (cacheable && text.length() <= MAX_CACHED_LENGTH) {
            texts.put(text, analyzed);
        }
        return analyzed;
    }

    /**
     * The statements of a simple-query string, in order: the parts of its {@link AnalyzedText} when
     * it was analysed, else lexed and split here and nothing more (no parse: the gate asks this on the
     * event loop, for a text whose verdict it already has).
     */
    public List<String> split(String text) {
        AnalyzedText cached = texts.get(text);
        return cached != null ? cached.parts() : StatementSplitter.split(text, SqlLexer.lex(text));
    }

    /** One statement (the text of a Parse message, or a part {@link StatementSplitter} produced). */
    public StatementAnalysis analyze(String statement) {
        StatementAnalysis cached = statements.get(statement);
        if (cached != null) {
            return cached;
        }
        return analyzeUncached(statement, null).analysis();
    }

    private record Result(StatementAnalysis analysis, boolean cacheable) {
    }

    /** @param lexed {@code statement}'s tokens when the caller has them, else null */
    private Result analyzeUncached(String statement, List<SqlToken> lexed) {
        StatementAnalysis cached = statements.get(statement);
        if (cached != null) {
            return new Result(cached, true);
        }
        List<SqlToken> tokens = lexed != null ? lexed : SqlLexer.lex(statement);
        if (statement.indexOf(';') >= 0) {
            // "SELECT 1;" is one statement; text that really holds several is refused by the classifier
            List<String> parts = StatementSplitter.split(statement, tokens);
            if (parts.size() == 1 && !parts.get(0).equals(statement)) {
                return analyzeUncached(parts.get(0), null);
            }
        }
        Facts facts = new Facts(statement);
        facts.operators.addAll(OperatorNames.of(tokens));
        facts.readWrite = ReadOnlyGuard.check(tokens);
        collect(UtilityClassifier.classify(statement, tokens), facts, null, statement, tokens);
        StatementAnalysis analysis = facts.build();
        if (facts.cacheable && statement.length() <= MAX_CACHED_LENGTH) {
            statements.put(statement, analysis);
        }
        return new Result(analysis, facts.cacheable);
    }

    /**
     * Adds what a classification says; {@code use} is how the enclosing statement uses it (null: top level).
     * {@code text} and {@code tokens}: the classified text and its tokens, handed on to the parser when its
     * query is that whole text.
     */
    private void collect(Classification c, Facts f, Use use, String text, List<SqlToken> tokens) {
        boolean runs = use == null || use == Use.RUNS || use == Use.PREPARES;
        if (f.kind == null) {
            f.kind = c.kind();
        }
        if (c.kind().alwaysRefused()) {
            f.refuse(c.kind(), c.refusal());
            return;
        }
        if (runs) {
            f.kinds.add(c.kind());
            f.kinds.addAll(c.extraKinds());
            f.whereMissing = first(f.whereMissing, c.whereMissing());
            f.limitMissing = first(f.limitMissing, c.limitMissing());
            if (f.prepared == null) {
                f.prepared = c.prepared();
            }
        }
        if (runs && use != Use.PREPARES && f.plannableSql == null) {
            // a PREPARE is estimated when it is EXECUTEd, with its parameters
            f.plannableSql = c.plannableSql();
        }
        f.tables.addAll(c.tables());
        f.columns.addAll(c.columns());
        f.functions.addAll(c.functions());
        if (c.query() != null) {
            String query = c.query();
            BudgetedParser.Parsed parsed = parser.parse(query, query.equals(text) ? tokens : SqlLexer.lex(query));
            f.cacheable &= parsed.cacheable();
            if (parsed.lineage() == null) {
                f.fail("the SQL parser could not read it (" + parsed.failure() + ")", c.query());
            } else {
                ParserLineage l = parsed.lineage();
                f.tables.addAll(l.tables());
                f.columns.addAll(l.columns());
                f.functions.addAll(l.functions());
                if (runs) {
                    if (c.kind() != StatementKind.SELECT_INTO) {
                        f.kinds.add(l.topKind()); // the parser's word on what the query is, if keywords misled
                    }
                    f.kinds.addAll(l.kinds());
                    f.derived.addAll(l.derivedColumns());
                    f.whereMissing = first(f.whereMissing, l.whereMissing());
                    f.limitMissing = first(f.limitMissing, l.limitMissing());
                    if (f.rowLimit < 0) {
                        f.rowLimit = l.rowLimit();
                    }
                }
            }
        }
        if (c.wrapped() != null) {
            collect(c.wrapped().inner(), f, combine(use, c.wrapped().use()), null, null);
        }
    }

    /** The weaker of two uses: a query EXPLAIN describes is only described, whatever it would do when run. */
    private static Use combine(Use outer, Use inner) {
        if (outer == null || outer == Use.RUNS) {
            return inner;
        }
        if (inner == Use.RUNS) {
            return outer;
        }
        if (outer == Use.DESCRIBES || inner == Use.DESCRIBES) {
            return Use.DESCRIBES;
        }
        return outer == Use.ARGUMENTS || inner == Use.ARGUMENTS ? Use.ARGUMENTS : Use.PREPARES;
    }

    private static Truth first(Truth current, Truth candidate) {
        return current != null ? current : candidate;
    }

    /** Names of the parser threads start with this (for diagnostics and tests). */
    String parserThreadPrefix() {
        return parser.threadPrefix();
    }

    @Override
    public void close() {
        parser.close();
    }

    /** The facts about one statement as they are gathered. */
    private static final class Facts {
        final String sql;
        StatementKind kind;
        final Set<StatementKind> kinds = EnumSet.noneOf(StatementKind.class);
        final Set<TableName> tables = new LinkedHashSet<>();
        final Set<ColumnRef> columns = new LinkedHashSet<>();
        final Set<ColumnRef> derived = new LinkedHashSet<>();
        final Set<FunctionName> functions = new LinkedHashSet<>();
        final Set<String> operators = new LinkedHashSet<>();
        String readWrite;
        Truth whereMissing;
        Truth limitMissing;
        long rowLimit = -1;
        String plannableSql;
        PreparedRef prepared;
        boolean analyzable = true;
        String problem;
        String plannerQuery;
        StatementKind refusedAs;
        boolean cacheable = true;

        Facts(String sql) {
            this.sql = sql;
        }

        void fail(String why, String query) {
            if (analyzable) {
                analyzable = false;
                problem = why;
                plannerQuery = query;
                // the planner cannot say whether there is a WHERE or LIMIT
                whereMissing = first(whereMissing, Truth.UNKNOWN);
                limitMissing = first(limitMissing, Truth.UNKNOWN);
            } else {
                plannerQuery = null; // two unreadable parts: a single EXPLAIN cannot cover both
            }
        }

        void refuse(StatementKind as, String why) {
            if (as == StatementKind.OTHER) {
                analyzable = false;
                plannerQuery = null;
                if (problem == null) {
                    problem = why;
                }
                return;
            }
            refusedAs = as;
            problem = why;
        }

        StatementAnalysis build() {
            if (refusedAs != null) {
                return new StatementAnalysis(sql, refusedAs, Set.of(refusedAs), Set.of(), Set.of(), Set.of(),
                        Set.of(), Set.of(), Truth.NO, Truth.NO, -1, null, null, true, problem, null, false, readWrite);
            }
            if (kinds.isEmpty()) {
                kinds.add(kind);
            }
            FunctionName opaque = OpaqueFunctions.find(functions);
            if (opaque != null && analyzable) {
                analyzable = false;
                plannerQuery = null; // EXPLAIN cannot see inside it either
                problem = "it calls " + opaque + "(), which runs SQL or reads tables pgwarden cannot see";
            }
            // an unreadable statement whose unreadable part is not a query: nothing to ask the planner
            return new StatementAnalysis(sql, kind, Sets.ordered(kinds), Sets.ordered(tables), Sets.ordered(columns),
                    Sets.ordered(derived), Sets.ordered(functions), Sets.ordered(operators),
                    whereMissing == null ? Truth.NO : whereMissing, limitMissing == null ? Truth.NO : limitMissing,
                    rowLimit, plannableSql, prepared, analyzable, problem, analyzable ? null : plannerQuery, false,
                    readWrite);
        }
    }
}
