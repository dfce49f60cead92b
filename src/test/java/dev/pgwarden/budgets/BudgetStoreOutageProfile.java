package dev.pgwarden.budgets;

import java.util.Map;

import dev.pgwarden.testing.PostgresFixture;
import io.quarkus.test.junit.QuarkusTestProfile;

/**
 * The budgets' policy with a store of its own, on a second throwaway cluster the test stops and
 * starts again; the audit trail is off here, so that only the budgets depend on the store, and the
 * view may be at most 3 seconds old.
 */
public class BudgetStoreOutageProfile implements QuarkusTestProfile {
    static PostgresFixture store() {
        return PostgresFixture.sharedAs("own-budget-store");
    }

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("quarkus.datasource.jdbc.url", store().storeJdbcUrl(),
                "pgwarden.policy.file", BudgetsProfile.FILE.toString(),
                "pgwarden.audit.enabled", "false",
                "pgwarden.budgets.max-staleness", "PT3S");
    }
}
