package dev.pgwarden.gate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.pgwarden.testing.Gateway;
import dev.pgwarden.testing.GatewayTestResource;
import dev.pgwarden.testing.PostgresFixture;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/** {@code masking.predicates: allow} keeps the behaviour from before the check: guesses answer, results stay masked. */
@QuarkusTest
@QuarkusTestResource(GatewayTestResource.class)
@TestProfile(PredicatesProfiles.Allow.class)
class PredicatesAllowTest {
    private static String ssn;

    @BeforeAll
    static void rawValue() {
        ssn = PostgresFixture.shared().queryForString("SELECT ssn FROM customers WHERE id = 7");
    }

    @Test
    void guessesAnswerAndResultsStayMasked() throws Exception {
        Guess prefix = new Guess("prefix LIKE", "SELECT id, ssn FROM customers WHERE ssn LIKE ? ORDER BY ssn",
                ssn.substring(0, 3) + "%");
        for (String protocol : List.of("preferQueryMode=simple", "prepareThreshold=1")) {
            try (Connection c = Gateway.connect("agent-7", protocol, "analysts")) {
                List<String> got = protocol.startsWith("preferQueryMode") ? prefix.simple(c) : prefix.prepared(c);
                assertTrue(got.contains("7"), "the guess answers: " + got);
                assertFalse(got.contains(ssn), "the SSN itself stays masked");
            }
        }
        Guess write = new Guess("UPDATE ... WHERE LIKE",
                "UPDATE orders SET amount = amount WHERE customer_id IN (SELECT id FROM customers WHERE ssn LIKE ?)",
                ssn.substring(0, 3) + "%");
        try (Connection c = Gateway.connect("agent-3", "prepareThreshold=1", "support")) {
            assertTrue(Integer.parseInt(write.prepared(c).get(0)) > 0, "the row count answers");
        }
        assertEquals(String.valueOf(PostgresFixture.ORDER_COUNT),
                PostgresFixture.shared().queryForString("SELECT count(*) FROM orders"));
    }
}
