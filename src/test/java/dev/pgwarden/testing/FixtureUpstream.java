package dev.pgwarden.testing;

import java.time.Duration;
import java.util.Optional;

import dev.pgwarden.config.GatewayConfig;

/** The gateway's upstream settings for a test fixture's server, for tests that build an UpstreamConnector themselves. */
public final class FixtureUpstream {
    private FixtureUpstream() {
    }

    /** The fixture's server, the gateway's own login (SCRAM), plain TCP, 5 s to connect, 4 side connections per role. */
    public static GatewayConfig.Upstream of(PostgresFixture pg) {
        return of(pg, pg.port(), PostgresFixture.GATEWAY_USER, PostgresFixture.GATEWAY_PASSWORD, Duration.ofSeconds(5), 4);
    }

    public static GatewayConfig.Upstream of(PostgresFixture pg, int port, String user, String password, Duration timeout,
            int sideConnections) {
        return new GatewayConfig.Upstream() {
            public String host() { return pg.host(); }
            public int port() { return port; }
            public String database() { return pg.database(); }
            public String user() { return user; }
            public Optional<String> password() { return Optional.of(password); }
            public Optional<String> passwordFile() { return Optional.empty(); }
            public String sslMode() { return "disable"; }
            public Optional<String> sslRootCert() { return Optional.empty(); }
            public Duration connectTimeout() { return timeout; }
            public Duration catalogCheckInterval() { return Duration.ofSeconds(2); }
            public int sideConnections() { return sideConnections; }
        };
    }
}
