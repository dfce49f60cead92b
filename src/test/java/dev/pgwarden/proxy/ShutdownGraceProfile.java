package dev.pgwarden.proxy;

import java.util.Map;

import io.quarkus.test.junit.QuarkusTestProfile;

/** Its own gateway instance (the test shuts it down) with a short shutdown grace. */
public class ShutdownGraceProfile implements QuarkusTestProfile {
    static final String GRACE = "PT3S";

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("pgwarden.listen.shutdown-grace", GRACE);
    }
}
