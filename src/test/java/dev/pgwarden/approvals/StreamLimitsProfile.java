package dev.pgwarden.approvals;

import java.nio.file.Path;
import java.util.Map;

import dev.pgwarden.testing.PolicyFiles;
import io.quarkus.test.junit.QuarkusTestProfile;

/** Estimate rules that ask (analysts) and that block (support) once a statement streams past 1,000 rows. */
public class StreamLimitsProfile implements QuarkusTestProfile {
    public static final String POLICY = """
            roles:
              - group: analysts
                role: analyst_ro
              - group: support
                role: support_ro
            rules:
              - name: big-reads
                groups: [analysts]
                match: { statement: [select], estimated_rows_over: 1000 }
                action: require_approval
                message: "big reads need a human"
              - name: capped-reads
                groups: [support]
                match: { estimated_rows_over: 1000 }
                action: block
                message: "support reads are capped"
            default: allow
            """;

    static final Path FILE = PolicyFiles.temp("stream-limits", POLICY);

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("pgwarden.policy.file", FILE.toString(), "pgwarden.approvals.timeout", "PT60S");
    }
}
