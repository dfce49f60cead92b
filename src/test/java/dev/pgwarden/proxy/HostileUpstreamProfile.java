package dev.pgwarden.proxy;

import java.util.Map;

import dev.pgwarden.testing.HostileUpstream;
import dev.pgwarden.testing.FuzzSeed;
import io.quarkus.test.junit.QuarkusTestProfile;

/** The gateway pointed at {@link HostileUpstream}, a server that sends mutated messages. */
public class HostileUpstreamProfile implements QuarkusTestProfile {
    /** Seeded by {@code -Dfuzz.seed} when given, so a failing run can be replayed. */
    /** The suite's seed: it found an ErrorResponse without a SQLSTATE crashing the catalog-change check. */
    static final long SUITE_SEED = -3995246792823883964L;
    static final HostileUpstream UPSTREAM = new HostileUpstream(FuzzSeed.of(SUITE_SEED));

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
