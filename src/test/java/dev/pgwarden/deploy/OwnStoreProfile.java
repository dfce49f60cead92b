package dev.pgwarden.deploy;

import java.util.Map;
import java.util.UUID;

import dev.pgwarden.testing.PostgresFixture;
import io.quarkus.test.junit.QuarkusTestProfile;

/** The gateway on a store database of its own, so a test can take that store away from it alone. */
public class OwnStoreProfile implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
        String name = "pgwarden_store_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        return Map.of("quarkus.datasource.jdbc.url", PostgresFixture.shared().createStore(name));
    }
}
