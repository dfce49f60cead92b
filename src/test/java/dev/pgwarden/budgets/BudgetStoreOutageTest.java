package dev.pgwarden.budgets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.pgwarden.testing.Gateway;
import dev.pgwarden.testing.GatewayTestResource;
import dev.pgwarden.testing.Jdbc;
import dev.pgwarden.testing.PostgresFixture;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * Fail closed: while the gateway cannot read everyone's usage from its store, a budget cannot hold,
 * so once its view is older than {@code pgwarden.budgets.max-staleness} statements on budgeted tables
 * are refused with 53000; statements no budget covers run on, and the budgeted ones run again once
 * the store is back.
 */
@QuarkusTest
@QuarkusTestResource(GatewayTestResource.class)
@TestProfile(BudgetStoreOutageProfile.class)
class BudgetStoreOutageTest {
    /** Returns no row, so polling it never spends the budget. */
    static final String BUDGETED = "SELECT id FROM customers WHERE id < 0";

    @Test
    void withoutTheStoreBudgetedStatementsAreRefusedAndTheOthersRun() throws Exception {
        PostgresFixture store = BudgetStoreOutageProfile.store();
        try (Connection c = Gateway.connect("agent-outage", "", "analysts"); Statement st = c.createStatement();
                Connection unbudgeted = Gateway.connect("agent-outage-support", "", "support");
                Statement other = unbudgeted.createStatement()) {
            assertEquals(List.of(), Jdbc.firstColumn(st, BUDGETED));
            store.stopServer();
            SQLException refused;
            try {
                refused = awaitRefusal(st);
                assertEquals(List.of(Integer.toString(PostgresFixture.ORDER_COUNT)),
                        Jdbc.firstColumn(st, "SELECT count(*) FROM orders"), "a table no budget covers");
                assertEquals(List.of(), Jdbc.firstColumn(other, BUDGETED), "a subject no budget covers");
            } finally {
                store.startServer();
            }
            assertEquals("53000", refused.getSQLState());
            assertTrue(refused.getMessage().contains("budget " + BudgetsProfile.BUDGET)
                    && refused.getMessage().contains("pgwarden.budgets.max-staleness"), refused.getMessage());
            awaitRunning(st);
        }
    }

    /** The budgeted statement, tried until the gateway refuses it (its view grew too old). */
    static SQLException awaitRefusal(Statement st) throws Exception {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (System.nanoTime() < deadline) {
            try {
                Jdbc.firstColumn(st, BUDGETED);
            } catch (RuntimeException e) {
                if (e.getCause() instanceof SQLException s) {
                    return s;
                }
                throw e;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("the budgeted statement kept running without the store");
    }

    static void awaitRunning(Statement st) throws Exception {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (true) {
            try {
                assertEquals(List.of(), Jdbc.firstColumn(st, BUDGETED));
                return;
            } catch (RuntimeException e) {
                assertTrue(System.nanoTime() < deadline, "still refused after the store came back: " + e);
                Thread.sleep(100);
            }
        }
    }
}
