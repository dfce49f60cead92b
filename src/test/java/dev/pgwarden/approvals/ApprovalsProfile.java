package dev.pgwarden.approvals;

import java.nio.file.Path;
import java.util.Map;

import dev.pgwarden.testing.PolicyFiles;
import io.quarkus.test.junit.QuarkusTestProfile;

/** A policy that holds analysts' exports and big reads for approval, with a short expiry. */
public class ApprovalsProfile implements QuarkusTestProfile {
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
            rules:
              - name: bulk-export
                groups: [analysts]
                match: { statement: [copy_out] }
                action: require_approval
                message: "bulk exports need a human"
              - name: big-reads-granted
                groups: [analysts]
                match: { statement: [select], tables: [public.grant_demo], estimated_rows_over: 10 }
                action: require_approval
                grant_minutes: 30
              - name: big-reads
                groups: [analysts]
                match: { statement: [select], estimated_rows_over: 500 }
                action: require_approval
            default: allow
            """;
    /** Long enough for a loaded CI machine; expiry has its own profile. */
    public static final String TIMEOUT = "PT60S";

    static final Path FILE = PolicyFiles.temp("approvals", POLICY);

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("pgwarden.policy.file", FILE.toString(),
                "pgwarden.approvals.timeout", timeout());
    }

    protected String timeout() {
        return TIMEOUT;
    }
}
