package dev.pgwarden.gate;

import java.nio.file.Path;
import java.util.Map;

import dev.pgwarden.testing.PolicyFiles;
import io.quarkus.test.junit.QuarkusTestProfile;

/**
 * Masked columns with and without a recognisable shape (an SSN, a diagnosis), for the text
 * PostgreSQL writes about data: errors, notices, notifications. Predicates on masked columns are
 * allowed here ({@code predicates: allow}), so the statements run and fail in PostgreSQL rather
 * than being refused first.
 */
public class ServerTextProfile implements QuarkusTestProfile {
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
                - column: public.patients.diagnosis
                  with: redact
                - column: public.patients.ssn
                  with: redact
              detectors: [ssn, card, email]
              on_derived: mask
              predicates: allow
            default: allow
            """;

    static final Path FILE = PolicyFiles.temp("server-text", POLICY);

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("pgwarden.policy.file", FILE.toString());
    }
}
