package dev.pgwarden.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

import dev.pgwarden.sql.SqlLexer;

/**
 * Many sessions sending statements at once queue for the parser's threads. The time budget is for
 * parsing: 500 sessions through the gateway had plain SELECTs refused with "parsing took longer than
 * 2000 ms" because the wait in the queue was counted (FiveHundredSessionsIT).
 */
class ParserQueueTest {

    @Test
    void waitingInTheQueueDoesNotCountAgainstTheBudget() throws Exception {
        // One thread, a 1.5 s budget, and 300 distinct statements that each take a few ms to parse,
        // all at once: the last ones wait several times the budget for the thread.
        String where = IntStream.range(0, 40).mapToObj(i -> "c.id = " + i + " OR c.name = 'n" + i + "'")
                .collect(Collectors.joining(" OR "));
        int parses = 300;
        ExecutorService sessions = Executors.newFixedThreadPool(parses);
        try (BudgetedParser parser = new BudgetedParser(1, Duration.ofMillis(1_500), parses)) {
            for (int i = 0; i < 20; i++) { // warm up: a cold parser is slow for reasons of its own
                String warm = "SELECT c.id AS w" + i + " FROM customers c WHERE " + where;
                parser.parse(warm, SqlLexer.lex(warm));
            }
            long burst = System.nanoTime();
            List<Future<BudgetedParser.Parsed>> results = new ArrayList<>();
            for (int i = 0; i < parses; i++) {
                // distinct aliases: queries differing in literals alone share one parse
                String sql = "SELECT c.id AS c" + i + " FROM customers c WHERE " + where;
                results.add(sessions.submit(() -> parser.parse(sql, SqlLexer.lex(sql))));
            }
            List<String> failures = new ArrayList<>();
            for (Future<BudgetedParser.Parsed> r : results) {
                BudgetedParser.Parsed p = r.get();
                if (p.failure() != null) {
                    failures.add(p.failure());
                }
            }
            System.out.printf("%d parses queued for one thread took %d ms%n", parses,
                    (System.nanoTime() - burst) / 1_000_000);
            assertEquals(List.of(), failures);
        } finally {
            sessions.shutdownNow();
        }
    }
}
