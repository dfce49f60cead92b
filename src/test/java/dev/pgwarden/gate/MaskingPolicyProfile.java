package dev.pgwarden.gate;

import java.nio.file.Path;
import java.util.Map;

import dev.pgwarden.testing.PolicyFiles;
import io.quarkus.test.junit.QuarkusTestProfile;

/** The gateway with the example policy of the masking issue: masked columns, detectors, rules. */
public class MaskingPolicyProfile implements QuarkusTestProfile {
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
                - column: "*.card_number"
                  with: last4
                - column: public.customers.email
                  with: email
                - column: public.events.secret
                  with: redact
              detectors: [ssn, card, email]
              on_derived: mask
            rules:
              - name: no-bulk-export
                groups: [analysts]
                match: { statement: [copy_out, select_into, create_table_as] }
                action: require_approval
              - name: agents-read-only
                groups: [analysts]
                match: { statement: [insert, update, delete, ddl, call, do] }
                action: block
                message: "agents are read-only"
            default: allow
            """;

    static final Path FILE = PolicyFiles.temp("masking", POLICY);

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("pgwarden.policy.file", FILE.toString(),
                "pgwarden.masking.hash-key", "test-hash-key-0123456789");
    }
}
