package dev.pgwarden.gate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class PlannerEstimatesUnitTest {

    @Test
    void simpleStatementsAreExplainedAsTheyAre() {
        assertEquals("EXPLAIN (VERBOSE, FORMAT JSON) SELECT * FROM t WHERE a = 1",
                PlannerEstimates.explain("SELECT * FROM t WHERE a = 1;", false));
    }

    @Test
    void parametersArePlannedGenericallyWithoutSplicingValues() {
        assertEquals("DEALLOCATE ALL; SET plan_cache_mode = force_generic_plan; PREPARE pgwarden_estimate AS "
                + "SELECT * FROM t WHERE a = $1 AND b = $2; EXPLAIN (FORMAT JSON) EXECUTE pgwarden_estimate(NULL, NULL)",
                PlannerEstimates.explain("SELECT * FROM t WHERE a = $1 AND b = $2", true));
    }

    @Test
    void aSecondStatementSmuggledIntoTheTextIsRejected() {
        assertThrows(IllegalArgumentException.class,
                () -> PlannerEstimates.explain("SELECT 1; DROP TABLE t", false));
        assertThrows(IllegalArgumentException.class,
                () -> PlannerEstimates.explain("SELECT $1; DROP TABLE t", true));
    }

    @Test
    void theTopPlanNodesRowsAreTheEstimate() {
        String json = "[{\"Plan\": {\"Node Type\": \"Limit\", \"Plan Rows\": 10, \"Plans\": [{\"Node Type\": "
                + "\"Seq Scan\", \"Plan Rows\": 100000}]}}]";
        assertEquals(10, PlannerEstimates.planRows(json));
        assertThrows(IllegalStateException.class, () -> PlannerEstimates.planRows("[{}]"));
        assertThrows(IllegalStateException.class, () -> PlannerEstimates.planRows("not json"));
    }
}
