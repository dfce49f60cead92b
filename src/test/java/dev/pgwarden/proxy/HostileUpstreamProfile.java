package dev.pgwarden.proxy;

import java.util.Map;

import dev.pgwarden.testing.HostileUpstream;
import io.quarkus.test.junit.QuarkusTestProfile;

/** The gateway pointed at {@link HostileUpstream}, a server that sends mutated messages. */
public class HostileUpstreamProfile implements QuarkusTestProfile {
    /** Seeded by {@code -Dfuzz.seed} when given, so a failing run can be replayed. */
    static final HostileUpstream UPSTREAM = new HostileUpstream(Long.getLong("fuzz.seed", new java.util.Random().nextLong()));

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("pgwarden.upstream.host", "127.0.0.1",
                "pgwarden.upstream.port", Integer.toString(UPSTREAM.port()),
                "pgwarden.upstream.ssl-mode", "disable",
                "pgwarden.upstream.connect-timeout", "PT5S",
                // one expected warning per broken session would flood the build log; the test reads the log itself
                "quarkus.log.console.level", "ERROR");
    }
}
