package dev.pgwarden.gate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.pgwarden.testing.Gateway;
import dev.pgwarden.testing.GatewayTestResource;
import dev.pgwarden.testing.PostgresFixture;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/** {@code masking.predicates: block}: not even an equality lookup; a masked column may only be read, masked. */
@QuarkusTest
@QuarkusTestResource(GatewayTestResource.class)
@TestProfile(PredicatesProfiles.Block.class)
class PredicatesBlockTest {
    private static String ssn;

    @BeforeAll
    static void rawValue() {
        ssn = PostgresFixture.shared().queryForString("SELECT ssn FROM customers WHERE id = 7");
    }

    @Test
    void equalityLookupsAreRefused() throws Exception {
        List<Guess> lookups = List.of(new Guess("=", "SELECT id FROM customers WHERE ssn = ?", ssn),
                new Guess("IN", "SELECT id FROM customers WHERE ssn IN (?, ?)", ssn, "000-00-0000"),
                new Guess("IS NULL", "SELECT id FROM customers WHERE ssn IS NULL"));
        for (Guess lookup : lookups) {
            try (Connection direct = PostgresFixture.shared().superuserConnection()) {
                lookup.prepared(direct); // PostgreSQL answers
            }
            for (String protocol : List.of("preferQueryMode=simple", "prepareThreshold=1")) {
                try (Connection c = Gateway.connect("agent-3", protocol, "support")) {
                    SQLException e = assertThrows(SQLException.class,
                            () -> ask(lookup, c, protocol), lookup + " over " + protocol);
                    assertEquals("42501", e.getSQLState(), e.getMessage());
                    assertTrue(e.getMessage().contains("public.customers.ssn")
                            && e.getMessage().contains("masking.predicates: block"), e.getMessage());
                }
            }
        }
    }

    @Test
    void readingTheColumnStillAnswersMasked() throws Exception {
        for (Guess read : List.of(new Guess("plain", "SELECT id, ssn FROM customers WHERE id = 7"),
                new Guess("derived", "SELECT id, upper(ssn) FROM customers WHERE id = 7"),
                new Guess("whole row", "SELECT id, row_to_json(c)::text FROM customers c WHERE id = 7"))) {
            try (Connection c = Gateway.connect("agent-7", "prepareThreshold=1", "analysts")) {
                List<String> got = read.prepared(c);
                assertEquals("7", got.get(0));
                assertNotEquals(ssn, got.get(1));
                assertTrue(!got.get(1).contains(ssn), got.get(1));
            }
        }
    }

    private static List<String> ask(Guess g, Connection c, String protocol) throws SQLException {
        return protocol.startsWith("preferQueryMode=simple") ? g.simple(c) : g.prepared(c);
    }
}
