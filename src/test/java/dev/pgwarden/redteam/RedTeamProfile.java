package dev.pgwarden.redteam;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import dev.pgwarden.testing.PolicyFiles;
import io.quarkus.test.junit.QuarkusTestProfile;

/**
 * The policy people deploy (deploy/policy.example.yaml, read as shipped) plus what the issue's
 * attacker had: an {@code estimated_rows_over} rule, and a masked column of no recognisable shape.
 */
public class RedTeamProfile implements QuarkusTestProfile {
    static final int ROW_LIMIT = 1000;
    static final Path FILE = PolicyFiles.temp("redteam", policy());

    static String policy() {
        String example;
        try {
            example = Files.readString(Path.of("deploy/policy.example.yaml"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String columns = "\n  columns:\n";
        String defaultLine = "\ndefault:";
        if (!example.contains(columns) || !example.contains(defaultLine)) {
            throw new IllegalStateException("deploy/policy.example.yaml changed shape: update RedTeamProfile");
        }
        String rule = "\n  - name: big-reads\n    groups: [analysts]\n"
                + "    match: { statement: [select], estimated_rows_over: " + ROW_LIMIT + " }\n"
                + "    action: require_approval\n";
        return example.replace(columns, columns + "    - column: public.patients.diagnosis\n      with: redact\n")
                .replace(defaultLine, rule + "default:");
    }

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("pgwarden.policy.file", FILE.toString(), "pgwarden.approvals.timeout", "PT60S");
    }
}
