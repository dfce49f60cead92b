package dev.pgwarden.gate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.pgwarden.testing.Gateway;
import dev.pgwarden.testing.GatewayTestResource;
import dev.pgwarden.testing.Jdbc;
import dev.pgwarden.testing.PostgresFixture;
import dev.pgwarden.testing.ProcessResult;
import dev.pgwarden.testing.Psql;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * No stale decisions: a statement PostgreSQL refuses gets PostgreSQL's own error rather than an
 * approval request, a GRANT takes effect on the very next run of the same text, and a view
 * redefined outside the gateway is masked by its new lineage, not the one cached for its old text.
 */
@QuarkusTest
@QuarkusTestResource(GatewayTestResource.class)
@TestProfile(StaleDecisionsProfile.class)
class StaleDecisionsTest {

    @Test
    void aStatementPostgresqlRefusesGetsItsErrorAndAGrantTakesEffectAtOnce() throws Exception {
        PostgresFixture pg = PostgresFixture.shared();
        pg.execute("DROP TABLE IF EXISTS stale_grants; CREATE TABLE stale_grants AS SELECT g AS id FROM generate_series(1, 3) g;"
                + " REVOKE ALL ON stale_grants FROM PUBLIC; ANALYZE stale_grants");
        String sql = "SELECT id FROM stale_grants ORDER BY id";
        // Straight from PostgreSQL: the role may not read the table.
        try (Connection su = pg.superuserConnection(); Statement st = su.createStatement()) {
            st.execute("SET ROLE analyst_ro");
            SQLException direct = assertThrows(SQLException.class, () -> st.executeQuery(sql));
            assertEquals("42501", direct.getSQLState());
        }
        try (Connection c = Gateway.connect("agent-stale", "", "analysts"); Statement st = c.createStatement()) {
            SQLException e = assertThrows(SQLException.class, () -> st.executeQuery(sql));
            assertEquals("42501", e.getSQLState(), e.getMessage());
            assertTrue(e.getMessage().contains("permission denied for table stale_grants"), e.getMessage());
            assertFalse(e.getMessage().contains("approval"), e.getMessage());

            pg.execute("GRANT SELECT ON stale_grants TO analyst_ro");
            assertEquals(List.of("1", "2", "3"), Jdbc.firstColumn(st, sql), "the same text, once granted");
        }
        // psql (simple protocol, a new session) too.
        ProcessResult r = Psql.to(Gateway.target("agent-stale", "analysts")).command(sql);
        assertTrue(r.succeeded() && r.out().contains("3"), r.toString());
        pg.execute("REVOKE SELECT ON stale_grants FROM analyst_ro");
        ProcessResult revoked = Psql.to(Gateway.target("agent-stale", "analysts")).command(sql);
        assertTrue(revoked.toString().contains("permission denied for table stale_grants"), revoked.toString());
    }

    @Test
    void aViewRedefinedOutsideTheGatewayIsMaskedByItsNewLineage() throws Exception {
        PostgresFixture pg = PostgresFixture.shared();
        pg.execute("DROP VIEW IF EXISTS stale_view; CREATE VIEW stale_view AS SELECT id, name AS label FROM customers;"
                + " GRANT SELECT ON stale_view TO analyst_ro");
        String sql = "SELECT label FROM stale_view WHERE id = 7";
        String rawEmail;
        try (Connection c = Gateway.connect("agent-view", "", "analysts"); Statement st = c.createStatement()) {
            String name = Jdbc.firstColumn(st, sql).get(0);
            assertEquals(name, Jdbc.firstColumn(st, sql).get(0), "an unmasked column, decided and cached");

            // Someone redefines the view straight on PostgreSQL: the same text now reads the e-mail.
            pg.execute("CREATE OR REPLACE VIEW stale_view AS SELECT id, email AS label FROM customers");
            try (Connection su = pg.superuserConnection(); Statement direct = su.createStatement()) {
                rawEmail = Jdbc.firstColumn(direct, sql).get(0);
                assertTrue(rawEmail.contains("@"), rawEmail);
            }
            long deadline = System.currentTimeMillis() + 15_000;
            String seen = Jdbc.firstColumn(st, sql).get(0);
            while (!seen.contains("***") && System.currentTimeMillis() < deadline) {
                Thread.sleep(200);
                seen = Jdbc.firstColumn(st, sql).get(0);
            }
            assertNotEquals(rawEmail, seen, "the raw e-mail through the gateway");
            assertTrue(seen.contains("***"), seen);
        } finally {
            pg.execute("DROP VIEW IF EXISTS stale_view");
        }
    }
}
