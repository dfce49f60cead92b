package dev.pgwarden.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import dev.pgwarden.testing.GatewayTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * Without the control (pgwarden.identity.end-at-token-expiry=false) a session outlives its token:
 * the same token is refused for a new login, yet the open session keeps querying as the mapped
 * role. {@link TokenExpiryTest} shows the control ending such sessions.
 */
@QuarkusTest
@QuarkusTestResource(GatewayTestResource.class)
@TestProfile(TokenExpiryOffProfile.class)
class TokenExpiryOffTest {

    @Test
    void aSessionOutlivesItsTokenWhenTheControlIsOff() throws Exception {
        String subject = "expiry-off-" + UUID.randomUUID();
        String token = ShortLivedTokens.analyst(subject, 3);
        try (Connection c = ShortLivedTokens.connect(subject, token, "")) {
            assertEquals("analyst_ro", currentUser(c));
            ShortLivedTokens.sleepPast(ShortLivedTokens.expiry(token).plusSeconds(2));

            SQLException refused = assertThrows(SQLException.class, () -> ShortLivedTokens.connect(subject, token, ""));
            assertEquals("28P01", refused.getSQLState(), "the token has expired: " + refused.getMessage());
            assertTrue(refused.getMessage().contains("expired"), refused.getMessage());

            assertEquals("analyst_ro", currentUser(c), "the session still queries as the mapped role");
            assertEquals("100", count(c));
        }
    }

    private static String currentUser(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT current_user")) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static String count(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT count(*) FROM customers")) {
            rs.next();
            return rs.getString(1);
        }
    }
}
