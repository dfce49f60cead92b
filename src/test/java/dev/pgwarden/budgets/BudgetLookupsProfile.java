package dev.pgwarden.budgets;

import java.nio.file.Path;
import java.util.Map;

import dev.pgwarden.testing.PolicyFiles;
import io.quarkus.test.junit.QuarkusTestProfile;

/** Analysts may make 20 equality lookups an hour on the masked {@code customers.ssn}; nothing else is limited. */
public class BudgetLookupsProfile implements QuarkusTestProfile {
    public static final String BUDGET = "ssn-lookups";
    public static final int LOOKUPS_PER_HOUR = 20;
    static final String POLICY = """
            roles:
              - group: analysts
                role: analyst_ro
            masking:
              columns:
                - column: public.customers.ssn
                  with: redact
            budgets:
              - name: ssn-lookups
                groups: [analysts]
                tables: [public.customers]
                lookups_per_hour: 20
            default: allow
            """;

    static final Path FILE = PolicyFiles.temp("budget-lookups", POLICY);

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("pgwarden.policy.file", FILE.toString(), "pgwarden.approvals.timeout", "PT60S");
    }
}
