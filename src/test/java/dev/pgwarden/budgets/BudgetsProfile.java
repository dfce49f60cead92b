package dev.pgwarden.budgets;

import java.nio.file.Path;
import java.util.Map;

import dev.pgwarden.testing.PolicyFiles;
import io.quarkus.test.junit.QuarkusTestProfile;

/**
 * Analysts may receive 60 rows or 20,000 bytes of {@code public.customers} an hour (the fixture has
 * 100 customers); an approval lifts the budget for 30 minutes. Support has no budget.
 */
public class BudgetsProfile implements QuarkusTestProfile {
    public static final String BUDGET = "customers-hourly";
    public static final int ROWS_PER_HOUR = 60;
    public static final int BYTES_PER_HOUR = 20_000;
    public static final String POLICY = """
            roles:
              - group: analysts
                role: analyst_ro
              - group: support
                role: support_ro
            masking:
              columns:
                - column: public.customers.ssn
                  with: redact
            budgets:
              - name: customers-hourly
                groups: [analysts]
                tables: [public.customers]
                rows_per_hour: 60
                bytes_per_hour: 20000
                grant_minutes: 30
            default: allow
            """;

    static final Path FILE = PolicyFiles.temp("budgets", POLICY);

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("pgwarden.policy.file", FILE.toString(), "pgwarden.approvals.timeout", "PT60S");
    }
}
