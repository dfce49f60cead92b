package dev.pgwarden.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * An estimate rule whose EXPLAIN PostgreSQL refuses (the role may not read the table, the table does
 * not exist) never turns into an approval request, and a decision made without an estimate is never
 * one to reuse.
 */
class PlannerRefusalTest {
    static final PolicyPrincipal WRITER = new PolicyPrincipal("w", Set.of("writers"));
    static final String POLICY = """
            roles:
              - group: writers
                role: app_rw
            rules:
              - name: big-reads
                groups: [writers]
                match: { estimated_rows_over: 1000 }
                action: require_approval
            default: allow
            """;

    static StatementAnalyzer analyzer;
    static PolicyEngine engine;

    @BeforeAll
    static void start() throws Exception {
        analyzer = new StatementAnalyzer();
        engine = new PolicyEngine(PolicyLoader.parse(POLICY.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                "test.yaml"), analyzer);
    }

    @AfterAll
    static void stop() {
        analyzer.close();
    }

    static Estimator refusing(String sqlState, String message) {
        return sql -> {
            throw new PlannerRefusal(sqlState, message);
        };
    }

    @Test
    void aReadThePlannerRefusesIsLeftToPostgresqlWithItsStreamHeldToTheThreshold() {
        Decision d = engine.decide(WRITER, "SELECT * FROM secret_t",
                refusing("42501", "permission denied for table secret_t"));
        assertEquals(Action.ALLOW, d.action(), d::toString);
        assertTrue(d.provisional(), "made without an estimate: decided again next time");
        assertEquals(1000, d.streamLimitOf(0).rows());
        assertEquals(Action.REQUIRE_APPROVAL, d.streamLimitOf(0).action());
    }

    @Test
    void aWriteThePlannerRefusesGetsPostgresqlsOwnError() {
        Decision d = engine.decide(WRITER, "DELETE FROM missing_t WHERE id > 0",
                refusing("42P01", "relation \"missing_t\" does not exist"));
        assertEquals(Action.BLOCK, d.action(), d::toString);
        assertEquals("42P01", d.sqlState());
        assertEquals("relation \"missing_t\" does not exist", d.message());
        assertTrue(d.provisional());
    }

    @Test
    void anEstimateThatFailedOtherwiseStillAsksButIsNotKept() {
        Decision d = engine.decide(WRITER, "SELECT * FROM t", sql -> {
            throw new IllegalStateException("side connection failed");
        });
        assertEquals(Action.REQUIRE_APPROVAL, d.action(), d::toString);
        assertTrue(d.provisional(), "a decision on a failed estimate must not be cached");
    }

    @Test
    void anEstimateThatCameBackIsKeptAsBefore() {
        Decision d = engine.decide(WRITER, "SELECT * FROM t", sql -> 10);
        assertEquals(Action.ALLOW, d.action(), d::toString);
        assertFalse(d.provisional());
    }

    @Test
    void onlyErrorsOfTheStatementItselfCount() {
        assertTrue(PlannerRefusal.refusesTheStatement("42501"));
        assertTrue(PlannerRefusal.refusesTheStatement("42P01"));
        assertFalse(PlannerRefusal.refusesTheStatement("42P18"), "a generic plan's parameter types");
        assertFalse(PlannerRefusal.refusesTheStatement("57014"));
        assertFalse(PlannerRefusal.refusesTheStatement(null));
    }
}
