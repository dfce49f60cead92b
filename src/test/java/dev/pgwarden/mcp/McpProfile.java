package dev.pgwarden.mcp;

import java.nio.file.Path;
import java.util.Map;

import dev.pgwarden.testing.PolicyFiles;
import io.quarkus.test.junit.QuarkusTestProfile;

/**
 * The gateway an agent reaches over MCP: masked columns and detectors, a read-only rule, big reads
 * of orders held for approval; small row cap and approval wait so tests see truncation and a
 * pending answer quickly.
 */
public class McpProfile implements QuarkusTestProfile {
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
              detectors: [ssn, card, email]
              on_derived: mask
            rules:
              - name: agents-read-only
                groups: [analysts]
                match: { statement: [insert, update, delete, ddl, call, do] }
                action: block
                message: "agents are read-only"
              - name: big-reads
                groups: [analysts]
                match: { statement: [select], tables: [public.orders], estimated_rows_over: 500 }
                action: require_approval
                message: "reads of more than 500 orders need a human"
            default: allow
            """;
    public static final int ROW_CAP = 25;
    public static final int MAX_SESSIONS = 6;

    static final Path FILE = PolicyFiles.temp("mcp", POLICY);

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("pgwarden.policy.file", FILE.toString(),
                "pgwarden.approvals.timeout", "PT60S",
                "pgwarden.mcp.row-cap", Integer.toString(ROW_CAP),
                "pgwarden.mcp.approval-wait", "PT3S",
                "pgwarden.mcp.max-sessions", Integer.toString(MAX_SESSIONS),
                "pgwarden.mcp.max-request-size", "65536",
                // Tests speak plain HTTP: the metadata must not claim https.
                "quarkus.oidc.resource-metadata.force-https-scheme", "false");
    }
}
