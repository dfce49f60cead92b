package dev.pgwarden.proxy;

import java.util.Map;

import io.quarkus.test.junit.QuarkusTestProfile;

/**
 * Its own gateway instance (the test shuts it down) with a shutdown grace short enough to wait out
 * and long enough for the test's steps inside it on a loaded machine.
 */
public class ShutdownGraceProfile implements QuarkusTestProfile {
    static final String GRACE = "PT10S";

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("pgwarden.listen.shutdown-grace", GRACE);
    }
}
