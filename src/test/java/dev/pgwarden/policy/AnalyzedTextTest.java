package dev.pgwarden.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.pgwarden.sql.StatementKind;
import dev.pgwarden.sql.TableName;

/** A client's text is read once into one value that every later stage reads. */
class AnalyzedTextTest {
    static final PolicyPrincipal ANALYST = new PolicyPrincipal("alice", Set.of("analysts"));

    static StatementAnalyzer analyzer;
    static PolicyEngine example;

    @BeforeAll
    static void start() throws Exception {
        analyzer = new StatementAnalyzer();
        example = new PolicyEngine(PolicyLoaderTest.resource("example.yaml"), analyzer);
    }

    @AfterAll
    static void stop() {
        analyzer.close();
    }

    @Test
    void oneStatementIsOnePartWithItsAnalysis() {
        String sql = "SELECT abalance FROM pgbench_accounts WHERE aid = 12345;";
        AnalyzedText t = analyzer.analyzeText(sql);
        assertEquals(sql, t.text());
        assertEquals(List.of("SELECT abalance FROM pgbench_accounts WHERE aid = 12345"), t.parts());
        assertEquals(1, t.size());
        StatementAnalysis a = t.statements().get(0);
        assertEquals(t.parts().get(0), a.sql());
        assertEquals(StatementKind.SELECT, a.kind());
        assertEquals(Set.of(TableName.unqualified("pgbench_accounts")), a.tables());
        assertEquals("SELECT abalance FROM pgbench_accounts WHERE aid = ?;", t.fingerprint());
        assertSame(t, analyzer.analyzeText(sql), "read once, then cached by text");
    }

    @Test
    void textsDifferingInNumbersShareTheFingerprintButKeepTheirOwnParts() {
        AnalyzedText one = analyzer.analyzeText("SELECT * FROM orders WHERE id = 1; SELECT 2.5");
        AnalyzedText other = analyzer.analyzeText("SELECT * FROM orders WHERE id = 7; SELECT 9.75");
        assertEquals(one.fingerprint(), other.fingerprint());
        assertEquals(List.of("SELECT * FROM orders WHERE id = 7", "SELECT 9.75"), other.parts());
        assertEquals(List.of("SELECT * FROM orders WHERE id = 1", "SELECT 2.5"), one.parts());
        // row limits and strings are part of what a decision is made on
        assertNotEquals(analyzer.analyzeText("SELECT * FROM orders LIMIT 5").fingerprint(),
                analyzer.analyzeText("SELECT * FROM orders LIMIT 50000").fingerprint());
        assertNotEquals(analyzer.analyzeText("SELECT set_config('a', 'x', false)").fingerprint(),
                analyzer.analyzeText("SELECT set_config('a', 'y', false)").fingerprint());
    }

    @Test
    void severalStatementsAreSeveralPartsInOrder() {
        AnalyzedText t = analyzer.analyzeText(
                "BEGIN; UPDATE orders SET total = 0 WHERE id = 3; -- note\nSELECT 'a;b' FROM customers;; COMMIT");
        assertEquals(List.of("BEGIN", "UPDATE orders SET total = 0 WHERE id = 3", "SELECT 'a;b' FROM customers",
                "COMMIT"), t.parts());
        assertEquals(List.of(StatementKind.TRANSACTION, StatementKind.UPDATE, StatementKind.SELECT,
                StatementKind.TRANSACTION), t.statements().stream().map(StatementAnalysis::kind).toList());
        for (int i = 0; i < t.size(); i++) {
            assertEquals(t.parts().get(i), t.statements().get(i).sql());
        }
        assertEquals(t.parts(), analyzer.split(t.text()), "the gate's split reads the analysed parts");
        assertTrue(analyzer.analyzeText(" -- nothing\n").parts().isEmpty());
    }

    @Test
    void aParseOfTwoStatementsIsRefusedFromTheValue() {
        AnalyzedText two = analyzer.analyzeText("SELECT * FROM orders; SELECT 2");
        Decision d = example.decideStatement(ANALYST, two, DecisionContext.NONE);
        assertEquals(Action.BLOCK, d.action());
        assertEquals(Decision.Basis.UNANALYSABLE, d.basis());
        assertTrue(d.message().contains("only one command"), d.message());
        // the same text as a simple Query is two statements, each decided
        assertEquals(Action.ALLOW, example.decide(ANALYST, two, DecisionContext.of(new PolicyEngineTest.Rows(1)))
                .action());
    }

    /**
     * 500 sessions sending the same new statement at once (FiveHundredSessionsIT, pgbench -M extended)
     * all miss the gate's cache together: the text is analysed once and the others wait for it, rather
     * than each parsing it and overflowing the parser's queue ("the SQL analyser is overloaded").
     */
    @Test
    void aTextManySessionsSendAtOnceIsAnalysedOnce() throws Exception {
        String where = IntStream.range(0, 40).mapToObj(i -> "c.id = " + i + " OR c.name = 'n" + i + "'")
                .collect(Collectors.joining(" OR "));
        String sql = "SELECT c.id, c.name FROM customers c WHERE " + where;
        int sessions = 200; // the parser's queue holds 64 per thread
        ExecutorService pool = Executors.newFixedThreadPool(sessions);
        try (StatementAnalyzer one = new StatementAnalyzer(1, Duration.ofSeconds(30), 100)) {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<AnalyzedText>> results = new ArrayList<>();
            for (int i = 0; i < sessions; i++) {
                results.add(pool.submit(() -> {
                    go.await();
                    return one.analyzeText(sql);
                }));
            }
            go.countDown();
            Set<AnalyzedText> built = Collections.newSetFromMap(new IdentityHashMap<>());
            List<String> problems = new ArrayList<>();
            for (Future<AnalyzedText> r : results) {
                AnalyzedText t = r.get();
                built.add(t);
                if (!t.statements().get(0).analyzable()) {
                    problems.add(t.statements().get(0).problem());
                }
            }
            assertEquals(List.of(), problems);
            assertEquals(1, built.size(), "values built for one text");
        } finally {
            pool.shutdownNow();
        }
    }
}
