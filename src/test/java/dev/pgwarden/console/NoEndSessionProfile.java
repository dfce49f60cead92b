package dev.pgwarden.console;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.UUID;

import dev.pgwarden.identity.dev.CodeFlowSettings;
import dev.pgwarden.identity.dev.DevIssuer;
import dev.pgwarden.testing.GatewayTestResource;
import io.quarkus.test.junit.QuarkusTestProfile;

/**
 * The gateway trusting an identity provider whose discovery document has no
 * {@code end_session_endpoint}: a real development issuer of its own, with the same people.
 */
public class NoEndSessionProfile implements QuarkusTestProfile {
    static final String CONSOLE_SECRET = UUID.randomUUID() + "-" + UUID.randomUUID();
    static final DevIssuer ISSUER;

    static {
        try {
            ISSUER = DevIssuer.start("127.0.0.1", 0, "pgwarden",
                    new CodeFlowSettings(CONSOLE_SECRET, GatewayTestResource.PEOPLE)).withoutEndSessionEndpoint();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("quarkus.oidc.auth-server-url", ISSUER.issuer(),
                "quarkus.oidc.console.credentials.secret", CONSOLE_SECRET);
    }
}
