package dev.pgwarden.gate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.pgwarden.budgets.BudgetCheck;
import dev.pgwarden.testing.PolicyFiles;
import dev.pgwarden.identity.Principal;
import dev.pgwarden.policy.PolicyStore;
import dev.pgwarden.proxy.ResultLimit;
import dev.pgwarden.proxy.RowEstimates;
import dev.pgwarden.proxy.SessionInfo;
import dev.pgwarden.proxy.StatementGate.ApprovalNeed;
import dev.pgwarden.proxy.StatementGate.Verdict;
import dev.pgwarden.sql.Fingerprint;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

/**
 * The gate caches a verdict by fingerprint, so texts that differ in numeric literals share it; what
 * it hands out must still name the text each client sent: its statements, the approval request a
 * person reads, and the request a stream limit files.
 */
class CachedVerdictForOtherTextTest {
    private static final String POLICY = """
            roles:
              - group: analysts
                role: analyst_ro
            rules:
              - name: orders-need-approval
                match: { statement: [select], tables: [orders] }
                action: require_approval
              - name: big-reads
                match: { statement: [select], tables: [events], estimated_rows_over: 1000 }
                action: require_approval
            default: allow
            """;

    private Vertx vertx;
    private PolicyGate gate;
    private SessionInfo session;
    private final AtomicInteger estimates = new AtomicInteger();

    @BeforeEach
    void start(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("policy.yaml");
        Files.writeString(file, POLICY);
        vertx = Vertx.vertx();
        gate = new PolicyGate(new PolicyStore(PolicyFiles.gatewayConfig(file)), vertx, new BudgetCheck());
        RowEstimates fewRows = (sql, extended) -> {
            estimates.incrementAndGet();
            return Future.succeededFuture(new RowEstimates.Estimate(5, 40));
        };
        session = new SessionInfo("s1", new Principal("alice", Set.of("analysts"), "test", Instant.MAX), "analyst_ro",
                "127.0.0.1", "alice", "test", false, Instant.now(), new ConcurrentHashMap<>(), fewRows, null);
    }

    @AfterEach
    void stop() throws Exception {
        gate.close();
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private Verdict decided(String sql) throws Exception {
        return gate.check(session, sql, false).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    /** A verdict served from the cache: complete at once, on the caller's thread. */
    private Verdict cached(String sql) {
        Future<Verdict> f = gate.check(session, sql, false);
        assertTrue(f.isComplete(), () -> "not served from the cache: " + sql);
        return f.result();
    }

    @Test
    void theApprovalRequestShowsTheTextThisClientSent() throws Exception {
        String first = "SELECT * FROM orders WHERE id = 1";
        String second = "SELECT * FROM orders WHERE id = 2";
        Verdict decided = decided(first);
        assertEquals(first, decided.needsApproval().text());
        assertEquals(Fingerprint.of(first), decided.fingerprint());

        Verdict reused = cached(second);
        ApprovalNeed need = reused.needsApproval();
        assertNotNull(need);
        assertEquals(second, need.text());
        assertEquals(List.of(second), reused.statements());
        assertEquals("orders-need-approval", need.rule());
        assertEquals(decided.needsApproval().fingerprint(), need.fingerprint(), "a grant covers both");
        assertEquals(decided.fingerprint(), reused.fingerprint());
        assertEquals(first, decided(first).needsApproval().text(), "the cached verdict itself is unchanged");
    }

    @Test
    void severalStatementsAreTheSecondTextsOwn() throws Exception {
        decided("SELECT * FROM orders WHERE id = 3; SELECT 4");
        String second = "SELECT * FROM orders WHERE id = 5; SELECT 6";
        Verdict reused = cached(second);
        assertEquals(List.of("SELECT * FROM orders WHERE id = 5", "SELECT 6"), reused.statements());
        assertEquals(second, reused.needsApproval().text());
    }

    @Test
    void aStreamLimitAsksAboutTheTextThisClientSent() throws Exception {
        String first = "SELECT * FROM events WHERE kind = 7";
        String second = "SELECT * FROM events WHERE kind = 8";
        Verdict decided = decided(first);
        assertNull(decided.needsApproval(), "estimated far below the threshold: allowed, held to it");
        ResultLimit limit = decided.limitOf(0);
        assertEquals(1000, limit.rows());
        assertEquals(first, limit.ask().text());
        int asked = estimates.get();

        Verdict reused = cached(second);
        assertEquals(asked, estimates.get(), "a cached verdict asks the planner nothing");
        assertFalse(reused.limits().isEmpty());
        assertEquals(second, reused.limitOf(0).ask().text());
        assertEquals(List.of(second), reused.statements());
        assertEquals(limit.ask().fingerprint(), reused.limitOf(0).ask().fingerprint());
    }

}
