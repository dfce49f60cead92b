package dev.pgwarden.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

import dev.pgwarden.sql.TableName;

/** The {@code budgets:} section: what it reads, whom and which tables a budget covers, when it is spent. */
class BudgetPolicyTest {
    static final String POLICY = """
            roles:
              - group: analysts
                role: analyst_ro
            budgets:
              - name: customers-hourly
                groups: [analysts, support]
                tables: [public.customers, "*.customer_notes"]
                rows_per_hour: 5000
                bytes_per_hour: 1_000_000
                lookups_per_hour: 100
                grant_minutes: 30
              - name: everyone-orders
                tables: orders
                bytes_per_hour: 10000
            """;

    static Policy policy() throws Exception {
        return PolicyLoader.parse(POLICY.getBytes(StandardCharsets.UTF_8), "budgets.yaml");
    }

    @Test
    void readsEveryKey() throws Exception {
        Policy p = policy();
        Budget b = p.budget("customers-hourly").orElseThrow();
        assertEquals(List.of("analysts", "support"), b.groups());
        assertEquals(List.of("public.customers", "*.customer_notes"), b.tables().stream().map(Object::toString).toList());
        assertEquals(5000, b.rowsPerHour());
        assertEquals(1_000_000, b.bytesPerHour());
        assertEquals(100, b.lookupsPerHour());
        assertEquals(30, b.grantMinutes());
        assertEquals(5, b.line());
        Budget orders = p.budget("everyone-orders").orElseThrow();
        assertEquals(List.of(), orders.groups());
        assertEquals(Budget.UNLIMITED, orders.rowsPerHour());
        assertEquals(Budget.UNLIMITED, orders.lookupsPerHour());
        assertEquals(0, orders.grantMinutes());
    }

    @Test
    void coversItsGroupsAndTablesAsRulesDo() throws Exception {
        Budget b = policy().budget("customers-hourly").orElseThrow();
        assertTrue(b.appliesTo(Set.of("support", "other")));
        assertFalse(b.appliesTo(Set.of("auditors")));
        assertTrue(b.covers(Set.of(new TableName("public", "orders"), new TableName("public", "customers"))));
        assertTrue(b.covers(Set.of(new TableName("crm", "customer_notes"))));
        assertFalse(b.covers(Set.of(new TableName("crm", "customers"))), "public.customers only");
        assertFalse(b.covers(Set.of()));
        assertTrue(policy().budget("everyone-orders").orElseThrow().appliesTo(Set.of()), "no groups: everyone");
    }

    @Test
    void isSpentWhenAnyLimitIsReached() throws Exception {
        Budget b = policy().budget("customers-hourly").orElseThrow();
        assertFalse(b.spentBy(4999, 999_999, 99));
        assertTrue(b.spentBy(5000, 0, 0));
        assertTrue(b.spentBy(0, 1_000_000, 0));
        assertTrue(b.spentBy(0, 0, 100));
        Budget bytesOnly = policy().budget("everyone-orders").orElseThrow();
        assertFalse(bytesOnly.spentBy(Long.MAX_VALUE, 9_999, Long.MAX_VALUE), "no row or lookup limit");
    }

    @Test
    void theExamplePolicyHasABudgetForAnalystsOnCustomers() throws Exception {
        Policy p = PolicyLoader.load(Path.of("deploy/policy.example.yaml"));
        Budget b = p.budgets().get(0);
        assertTrue(b.appliesTo(Set.of("analysts")));
        assertTrue(b.covers(Set.of(new TableName("public", "customers"))));
    }
}
