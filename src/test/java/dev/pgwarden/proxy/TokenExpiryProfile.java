package dev.pgwarden.proxy;

import java.util.Map;

import io.quarkus.test.junit.QuarkusTestProfile;

/**
 * Sessions end when their token expires (the default), with a grace long enough for a statement
 * spanning the expiry to finish on a busy machine, and short enough to see a longer one cut.
 */
public class TokenExpiryProfile implements QuarkusTestProfile {
    static final int GRACE_SECONDS = 8;

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("pgwarden.identity.expiry-grace", "PT" + GRACE_SECONDS + "S");
    }
}
