package dev.pgwarden.audit;

import java.util.Map;

import dev.pgwarden.testing.PostgresFixture;
import io.quarkus.test.junit.QuarkusTestProfile;

/**
 * The gateway with an audit store of its own, on a second throwaway cluster that the test may stop
 * and start (the proxied database stays on the shared cluster). A short commit timeout keeps a
 * session stuck behind a dead store from holding the test up.
 */
public class OwnStoreProfile implements QuarkusTestProfile {
    static final String NAME = "own-audit-store";

    static PostgresFixture store() {
        return PostgresFixture.sharedAs(NAME);
    }

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("quarkus.datasource.jdbc.url", store().storeJdbcUrl(),
                "pgwarden.audit.commit-timeout", "PT3S");
    }
}
