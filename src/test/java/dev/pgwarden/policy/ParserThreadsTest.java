package dev.pgwarden.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Set;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

/** JSqlParser's own timeout API leaks a non-daemon thread per call; ours must not. */
class ParserThreadsTest {

    private static Set<Thread> nonDaemonThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.isAlive() && !t.isDaemon())
                .collect(Collectors.toSet());
    }

    private static long parserThreads(StatementAnalyzer analyzer) {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().startsWith(analyzer.parserThreadPrefix())).count();
    }

    @Test
    void parsingManyStatementsLeavesNoNonDaemonThreads() {
        Set<Thread> before = nonDaemonThreads();
        try (StatementAnalyzer analyzer = new StatementAnalyzer(2, Duration.ofSeconds(2), 100)) {
            for (int i = 0; i < 1_000; i++) {
                // distinct texts and shapes (an alias each), so every one is parsed (and the caches are churned)
                StatementAnalysis a = analyzer.analyze("SELECT c.id, o.total + " + i + " AS t" + i + " FROM customers c "
                        + "JOIN orders o ON o.cid = c.id WHERE c.id = " + i);
                assertTrue(a.analyzable(), a::problem);
                assertFalse(analyzer.analyze("SELECT FROM garbage " + i + " ))").analyzable());
            }
            assertTrue(parserThreads(analyzer) <= 2, "the parser pool is bounded");
            Set<Thread> extra = nonDaemonThreads();
            extra.removeAll(before);
            assertEquals(Set.of(), extra, "no non-daemon threads were started");
        }
    }

    @Test
    void timeoutsLeaveNoNonDaemonThreads() {
        Set<Thread> before = nonDaemonThreads();
        StringBuilder deep = new StringBuilder("SELECT ");
        deep.append("coalesce(a, ".repeat(2000)).append('1').append(")".repeat(2000)).append(" FROM t");
        try (StatementAnalyzer analyzer = new StatementAnalyzer(2, Duration.ofMillis(1), 100)) {
            for (int i = 0; i < 20; i++) {
                assertFalse(analyzer.analyze(deep + " WHERE x = " + i).analyzable());
            }
            Set<Thread> extra = nonDaemonThreads();
            extra.removeAll(before);
            assertEquals(Set.of(), extra);
            // A worker that died of a StackOverflowError is replaced while it unwinds: let it finish.
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
            while (parserThreads(analyzer) > 2 && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            assertTrue(parserThreads(analyzer) <= 2, "the parser pool stays bounded");
        }
    }
}
