package dev.pgwarden.policy;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import net.sf.jsqlparser.parser.CCJSqlParser;
import net.sf.jsqlparser.parser.CCJSqlParserConstants;
import net.sf.jsqlparser.parser.StringProvider;
import net.sf.jsqlparser.statement.Statement;

import dev.pgwarden.lineage.ParseTreeWalker;
import dev.pgwarden.lineage.ParserLineage;
import dev.pgwarden.sql.SqlToken;

/**
 * Runs JSqlParser (and the lineage walk) on a small pool of daemon threads with a time budget per query.
 * JSqlParser's own timeout API starts a non-daemon executor per call and never stops a parse that overruns;
 * here a parse that overruns is told to stop through the parser's {@code interrupted} flag and the query is
 * treated as unparseable. The pool is bounded, and so is its queue: when both are full the query is refused
 * rather than queued without limit. The budget counts from the moment a parse starts: time spent in the
 * queue (500 sessions sending their first statement at once) says nothing about the statement, and
 * counting it refused plain SELECTs under load. A query still queued after {@link #MAX_QUEUE_WAIT} is
 * refused as overloaded.
 */
final class BudgetedParser implements AutoCloseable {
    private static final AtomicInteger POOLS = new AtomicInteger();
    // JavaCC parsers and the tree walk recurse once per nesting level; give deep queries room
    private static final long THREAD_STACK_BYTES = 8L << 20;
    static final Duration MAX_QUEUE_WAIT = Duration.ofSeconds(30);

    /** Shapes whose queries parse longer than this are parsed every time rather than pinned in the cache. */
    private static final int MAX_CACHED_SHAPE = 64 * 1024;
    private static final int SHAPES = 10_000;

    private final ThreadPoolExecutor pool;
    /** The lineage of each query shape parsed lately (only successes: a failure is retried). */
    private final LruCache<String, ParserLineage> shapes = new LruCache<>(SHAPES);
    private final AtomicLong parses = new AtomicLong();
    private static final java.lang.management.ThreadMXBean THREADS =
            java.lang.management.ManagementFactory.getThreadMXBean();
    private final long budgetNanos;
    private final String threadPrefix;

    /** The outcome: a lineage, or why there is none ({@code cacheable} is false for a busy analyser). */
    record Parsed(ParserLineage lineage, String failure, boolean cacheable) {
    }

    BudgetedParser(int threads, Duration budget, int queueCapacity) {
        if (threads < 1 || budget.isNegative() || budget.isZero()) {
            throw new IllegalArgumentException("need at least one thread and a positive budget");
        }
        this.budgetNanos = budget.toNanos();
        // identityHashCode too: each class loader (Quarkus tests have several) has its own POOLS counter.
        this.threadPrefix = "pgwarden-sql-parser-" + POOLS.incrementAndGet() + "-"
                + Integer.toHexString(System.identityHashCode(this)) + "-";
        AtomicInteger n = new AtomicInteger();
        this.pool = new ThreadPoolExecutor(threads, threads, 30, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(queueCapacity), r -> {
                    Thread t = new Thread(null, r, threadPrefix + n.incrementAndGet(), THREAD_STACK_BYTES);
                    t.setDaemon(true);
                    return t;
                });
        this.pool.allowCoreThreadTimeOut(true);
    }

    /**
     * A query parsed before in the same shape ({@link ParserInput.Rendered}: only its literals differ) is not
     * parsed again: its lineage is the same.
     *
     * @param tokens {@code sql} as {@link dev.pgwarden.sql.SqlLexer#lex} cut it
     */
    Parsed parse(String sql, List<SqlToken> tokens) {
        ParserInput.Rendered rendered;
        try {
            rendered = ParserInput.renderWithShape(sql, tokens);
        } catch (IllegalArgumentException e) {
            return new Parsed(null, e.getMessage(), true);
        }
        ParserLineage known = shapes.get(rendered.shape());
        if (known != null) {
            return new Parsed(known, null, true);
        }
        Parsed parsed = parseNow(rendered.input());
        if (parsed.lineage() != null && rendered.shape().length() <= MAX_CACHED_SHAPE) {
            shapes.put(rendered.shape(), parsed.lineage());
        }
        return parsed;
    }

    /** How many queries JSqlParser was given (shape-cache hits not counted). */
    long parses() {
        return parses.get();
    }

    private Parsed parseNow(String input) {
        parses.incrementAndGet();
        AtomicReference<CCJSqlParser> current = new AtomicReference<>();
        AtomicBoolean started = new AtomicBoolean();
        AtomicLong parserThread = new AtomicLong(-1);
        AtomicLong cpuAtStart = new AtomicLong();
        AtomicLong startedAt = new AtomicLong();
        Future<ParserLineage> future;
        long submitted = System.nanoTime();
        try {
            future = pool.submit(() -> {
                parserThread.set(Thread.currentThread().getId());
                cpuAtStart.set(THREADS.getCurrentThreadCpuTime());
                startedAt.set(System.nanoTime());
                started.set(true);
                return ParseTreeWalker.walk(statement(input, current));
            });
        } catch (RejectedExecutionException e) {
            return new Parsed(null, "the SQL analyser is overloaded", false);
        }
        try {
            return new Parsed(awaitWithinBudget(future, started, startedAt, submitted), null, true);
        } catch (QueuedTooLong e) {
            future.cancel(true);
            return new Parsed(null, "the SQL analyser is overloaded", false);
        } catch (TimeoutException e) {
            CCJSqlParser parser = current.get();
            if (parser != null) {
                parser.interrupted = true; // checked in the parser's lookahead loops
            }
            // Remembered as hopeless only if the parser itself burnt the budget: a wait for a core
            // on a loaded machine says nothing about the statement.
            long cpu = started.get() ? THREADS.getThreadCpuTime(parserThread.get()) - cpuAtStart.get() : 0;
            future.cancel(true);
            return new Parsed(null, "parsing took longer than " + Duration.ofNanos(budgetNanos).toMillis() + " ms",
                    started.get() && cpu >= budgetNanos / 2);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            return new Parsed(null, reason(cause), true);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            future.cancel(true);
            return new Parsed(null, "interrupted", false);
        }
    }

    /** A parse that never got a thread within {@link #MAX_QUEUE_WAIT}. */
    private static final class QueuedTooLong extends Exception {
        QueuedTooLong() {
            super(null, null, false, false);
        }
    }

    /** The result, waiting at most the budget from the moment the parse started (TimeoutException after). */
    private ParserLineage awaitWithinBudget(Future<ParserLineage> future, AtomicBoolean started, AtomicLong startedAt,
            long submitted) throws InterruptedException, ExecutionException, TimeoutException, QueuedTooLong {
        while (true) {
            long now = System.nanoTime();
            long deadline = started.get() ? startedAt.get() + budgetNanos : now + budgetNanos;
            try {
                return future.get(Math.max(0, deadline - now), TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                if (started.get() && System.nanoTime() - startedAt.get() >= budgetNanos) {
                    throw e;
                }
                if (!started.get() && System.nanoTime() - submitted >= MAX_QUEUE_WAIT.toNanos()) {
                    throw new QueuedTooLong();
                }
                // still queued, or started late in the last wait: the budget runs from its start
            }
        }
    }

    /** Parses exactly one statement: first without, then with JSqlParser's slower "complex" mode. */
    private static Statement statement(String sql, AtomicReference<CCJSqlParser> current) throws Exception {
        try {
            return parseOnce(sql, false, current);
        } catch (StackOverflowError e) {
            throw e;
        } catch (Exception | Error simple) {
            // JavaCC-generated code also throws plain Errors on input it cannot handle
            if (Thread.currentThread().isInterrupted() || current.get().interrupted) {
                throw simple;
            }
            return parseOnce(sql, true, current);
        }
    }

    private static Statement parseOnce(String sql, boolean complex, AtomicReference<CCJSqlParser> current)
            throws Exception {
        CCJSqlParser parser = new CCJSqlParser(new StringProvider(sql)).withAllowComplexParsing(complex);
        current.set(parser);
        Statement st = parser.Statement();
        if (st == null) {
            throw new IllegalArgumentException("no statement");
        }
        // Statement() stops after the first statement; anything left means it read something else than we did
        if (parser.getNextToken().kind != CCJSqlParserConstants.EOF) {
            throw new IllegalArgumentException("the SQL parser did not read the whole statement");
        }
        return st;
    }

    private static String reason(Throwable t) {
        if (t instanceof StackOverflowError) {
            return "the statement is nested too deeply";
        }
        String message = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
        // JSqlParser lists every token it expected; the first line says what went wrong
        int nl = message.indexOf('\n');
        return (nl > 0 ? message.substring(0, nl) : message).strip();
    }

    /** Names of this pool's threads start with this. */
    String threadPrefix() {
        return threadPrefix;
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }
}
