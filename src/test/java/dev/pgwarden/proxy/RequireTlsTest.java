package dev.pgwarden.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.pgwarden.testing.Gateway;
import dev.pgwarden.testing.Jdbc;
import dev.pgwarden.testing.GatewayTestResource;
import dev.pgwarden.testing.PostgresFixture;
import dev.pgwarden.testing.ProcessResult;
import dev.pgwarden.testing.Psql;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/** With require-tls the token never travels in the clear; this profile also logs in upstream with md5. */
@QuarkusTest
@QuarkusTestResource(GatewayTestResource.class)
@TestProfile(RequireTlsTest.Strict.class)
class RequireTlsTest {

    public static class Strict implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("pgwarden.listen.require-tls", "true",
                    "pgwarden.upstream.user", PostgresFixture.MD5_USER,
                    "pgwarden.upstream.password", PostgresFixture.MD5_PASSWORD);
        }
    }

    @Test
    void plainConnectionsAreRefusedBeforeTheTokenIsSent() {
        SQLException e = assertThrows(SQLException.class, () -> Gateway.analyst().close());
        assertEquals("28000", e.getSQLState());
        assertTrue(e.getMessage().contains("requires TLS"), e.getMessage());
    }

    @Test
    void tlsConnectionsWorkWithPsqlAndJdbc() throws Exception {
        ProcessResult r = Psql.to(Gateway.target("agent-7", "analysts")).sslMode("require")
                .command("SELECT current_user || ' via ' || session_user");
        r.requireSuccess();
        assertEquals("analyst_ro via " + PostgresFixture.MD5_USER, r.out());
        try (Connection c = Jdbc.connect(
                Gateway.jdbcUrl("").replace("sslmode=disable", "sslmode=require"),
                props("agent-7", GatewayTestResource.token("agent-7", "analysts")));
                ResultSet rs = c.createStatement().executeQuery("SELECT current_user")) {
            assertTrue(rs.next());
            assertEquals("analyst_ro", rs.getString(1));
        }
    }

    private static java.util.Properties props(String user, String password) {
        java.util.Properties p = new java.util.Properties();
        p.setProperty("user", user);
        p.setProperty("password", password);
        return p;
    }
}
