package dev.pgwarden.gate;

import java.nio.file.Path;
import java.util.Map;

import dev.pgwarden.testing.PolicyFiles;
import io.quarkus.test.junit.QuarkusTestProfile;

/**
 * An estimate rule that holds big reads for approval, a masked e-mail column without content
 * detectors (so only lineage masks it), a short approval timeout (a statement wrongly held ends
 * quickly) and a catalog check every second.
 */
public class StaleDecisionsProfile implements QuarkusTestProfile {
    static final String POLICY = """
            roles:
              - group: analysts
                role: analyst_ro
            masking:
              columns:
                - column: public.customers.email
                  with: email
              detectors: []
            rules:
              - name: big-reads
                groups: [analysts]
                match: { statement: [select], estimated_rows_over: 1000 }
                action: require_approval
                message: "big reads need a human"
            default: allow
            """;

    static final Path FILE = PolicyFiles.temp("stale-decisions", POLICY);

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("pgwarden.policy.file", FILE.toString(),
                "pgwarden.approvals.timeout", "PT4S",
                "pgwarden.upstream.catalog-check-interval", "PT1S");
    }
}
