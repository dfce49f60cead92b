package dev.pgwarden.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.util.Map;

import io.quarkus.test.junit.QuarkusTestProfile;

/** The gateway pointed at a port where no PostgreSQL listens. */
public class UpstreamDownProfile implements QuarkusTestProfile {
    static final int DEAD_PORT;

    static {
        try (ServerSocket s = new ServerSocket(0)) {
            DEAD_PORT = s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("pgwarden.upstream.host", "127.0.0.1",
                "pgwarden.upstream.port", Integer.toString(DEAD_PORT),
                "pgwarden.upstream.connect-timeout", "PT2S");
    }
}
