package dev.pgwarden.proxy;

import java.util.Map;

import io.quarkus.test.junit.QuarkusTestProfile;

/** pgwarden.identity.end-at-token-expiry=false: sessions live on past their token, as before the control. */
public class TokenExpiryOffProfile implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("pgwarden.identity.end-at-token-expiry", "false");
    }
}
