package dev.pgwarden.gate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLWarning;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.postgresql.util.PSQLException;
import org.postgresql.util.ServerErrorMessage;

import dev.pgwarden.testing.Gateway;
import dev.pgwarden.testing.GatewayTestResource;
import dev.pgwarden.testing.PostgresFixture;
import dev.pgwarden.testing.ProcessResult;
import dev.pgwarden.testing.Psql;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * The text PostgreSQL writes about data (errors, notices, notifications) is not a result column,
 * so result masking never sees it. Each case first shows the raw value coming back straight from
 * PostgreSQL under the same role, then that the gateway's client gets it masked, with the
 * SQLSTATE and the wording kept, and that the audit trail holds what the client got.
 */
@QuarkusTest
@QuarkusTestResource(GatewayTestResource.class)
@TestProfile(ServerTextProfile.class)
class ServerTextThroughGatewayTest {
    /** A masked value no detector recognises. */
    private static final String DIAGNOSIS = "melanoma stage II";
    private static String ssn;
    private static String otherSsn;

    @BeforeAll
    static void data() {
        PostgresFixture pg = PostgresFixture.shared();
        pg.execute("CREATE TABLE IF NOT EXISTS patients (id int PRIMARY KEY, name text NOT NULL,"
                + " diagnosis text, ssn text UNIQUE)");
        pg.execute("INSERT INTO patients VALUES (1, 'Ann Lee', '" + DIAGNOSIS + "', '512-34-5678'),"
                + " (2, 'Bo Chan', 'asthma', '623-45-6789') ON CONFLICT DO NOTHING");
        pg.execute("GRANT SELECT ON patients TO analyst_ro, support_ro");
        pg.execute("GRANT UPDATE ON patients TO support_ro");
        ssn = pg.queryForString("SELECT ssn FROM customers WHERE id = 7");
        otherSsn = "623-45-6789";
    }

    private static SQLException directError(String sql) throws SQLException {
        try (Connection c = PostgresFixture.shared().superuserConnection(); Statement st = c.createStatement()) {
            st.execute("SET ROLE support_ro");
            return assertThrows(SQLException.class, () -> st.execute(sql), "fails straight from PostgreSQL: " + sql);
        }
    }

    private static SQLException gatewayError(String subject, String options, String group, String sql)
            throws SQLException {
        try (Connection c = Gateway.connect(subject, options, group); Statement st = c.createStatement()) {
            SQLException e = assertThrows(SQLException.class, () -> st.execute(sql), sql);
            assertEquals(List.of("1"), firstColumn(st, "SELECT 1"), "the session stays usable");
            return e;
        }
    }

    private static List<String> firstColumn(Statement st, String sql) throws SQLException {
        List<String> out = new ArrayList<>();
        try (ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }

    /** Every text field the client can read off the error. */
    private static String everything(SQLException e) {
        StringBuilder sb = new StringBuilder(String.valueOf(e.getMessage()));
        if (e instanceof PSQLException p && p.getServerErrorMessage() != null) {
            ServerErrorMessage m = p.getServerErrorMessage();
            sb.append('|').append(m.getMessage()).append('|').append(m.getDetail()).append('|').append(m.getHint())
                    .append('|').append(m.getWhere()).append('|').append(m.getInternalQuery());
        }
        return sb.toString();
    }

    private static boolean leaks(String text, String secret) {
        return text.contains(secret) || text.replaceAll("\\D", "").contains(secret.replaceAll("\\D", ""))
                && !secret.replaceAll("\\D", "").isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "SELECT diagnosis::int FROM patients WHERE id = 1",
            "SELECT id FROM patients WHERE diagnosis::int > 0",
            "SELECT p.id FROM patients p JOIN customers c ON c.id = p.diagnosis::int",
            "SELECT id FROM patients ORDER BY diagnosis::numeric",
            "SELECT id, lower(diagnosis)::date FROM patients WHERE id = 1",
            "SELECT to_date(diagnosis, 'YYYY-MM') FROM patients WHERE id = 1",
            "SELECT diagnosis::json FROM patients WHERE id = 1",
            "SELECT split_part(diagnosis, ' ', 1)::regclass FROM patients WHERE id = 1",
            "SELECT ('<a>' || diagnosis)::xml FROM patients WHERE id = 1" })
    void castsQuotingAShapelessMaskedValueAreMasked(String sql) throws Exception {
        SQLException direct = directError(sql);
        assertTrue(everything(direct).contains("mela"), "PostgreSQL quotes the raw value: " + everything(direct));
        for (String options : List.of("preferQueryMode=simple", "prepareThreshold=1", "")) {
            SQLException e = gatewayError("agent-" + UUID.randomUUID(), options, "support", sql);
            String seen = everything(e);
            assertFalse(seen.contains("mela"), options + " leaked: " + seen);
            assertEquals(direct.getSQLState(), e.getSQLState(), "the SQLSTATE stays");
            String wording = ((PSQLException) direct).getServerErrorMessage().getMessage().replaceAll("[\"(:].*", "");
            assertTrue(seen.contains(wording), "the wording stays: " + wording + " in " + seen);
        }
    }

    @Test
    void anSsnInAFailingCastIsMaskedAndTheAuditTrailHoldsTheMaskedText() throws Exception {
        String sql = "SELECT ssn::int FROM customers WHERE id = 7";
        assertTrue(everything(directError(sql)).contains(ssn));
        String subject = "agent-" + UUID.randomUUID();
        SQLException e = gatewayError(subject, "preferQueryMode=simple", "analysts", sql);
        assertFalse(leaks(everything(e), ssn), everything(e));
        assertEquals("22P02", e.getSQLState());
        PostgresFixture pg = PostgresFixture.shared();
        try (Connection store = pg.connect(PostgresFixture.STORE_DATABASE, pg.superuser(), pg.superuserPassword());
                PreparedStatement ps = store.prepareStatement("SELECT st.message FROM pgwarden.audit_statement st"
                        + " JOIN pgwarden.audit_session s ON s.id = st.session_id WHERE s.subject = ?"
                        + " AND st.sql_state = '22P02'")) {
            ps.setString(1, subject);
            try (ResultSet rs = ps.executeQuery()) {
                assertTrue(rs.next(), "the error is in the audit trail");
                assertNotNull(rs.getString(1));
                assertFalse(rs.getString(1).contains(ssn), "the store holds what the client saw: " + rs.getString(1));
            }
        }
    }

    @Test
    void positionsAndNamesTheClientWroteStaySoItCanFixItsSql() throws Exception {
        SQLException e = gatewayError("agent-" + UUID.randomUUID(), "", "support", "SELECT nme FROM orders");
        assertTrue(e.getMessage().contains("column \"nme\" does not exist"), e.getMessage());
        assertEquals(8, ((PSQLException) e).getServerErrorMessage().getPosition(), "the position stays");
        e = gatewayError("agent-" + UUID.randomUUID(), "", "support", "SELECT 'abc'::int");
        assertTrue(e.getMessage().contains("\"abc\""), "its own literal: " + e.getMessage());
    }

    @Test
    void keyValuesInConstraintDetailsAreMasked() throws Exception {
        String sql = "UPDATE patients SET ssn = (SELECT ssn FROM patients WHERE id = 2) WHERE id = 1";
        SQLException direct = directError(sql);
        assertTrue(everything(direct).contains(otherSsn), "the key detail quotes another row's SSN: " + everything(direct));
        SQLException e = gatewayError("agent-" + UUID.randomUUID(), "", "support", sql);
        String seen = everything(e);
        assertFalse(leaks(seen, otherSsn), seen);
        assertEquals("23505", e.getSQLState());
        assertTrue(seen.contains("Key (ssn)=(") && seen.contains("already exists"), "the wording stays: " + seen);
        assertTrue(seen.contains("patients_ssn_key"), "the constraint name stays: " + seen);
    }

    @Test
    void failingRowsInConstraintDetailsAreMasked() throws Exception {
        String sql = "UPDATE patients SET name = NULL WHERE id = 1";
        SQLException direct = directError(sql);
        assertTrue(everything(direct).contains("melanoma"), "the failing row is quoted: " + everything(direct));
        SQLException e = gatewayError("agent-" + UUID.randomUUID(), "", "support", sql);
        assertFalse(everything(e).contains("melanoma"), everything(e));
        assertFalse(leaks(everything(e), "512-34-5678"), everything(e));
        assertEquals("23502", e.getSQLState());
    }

    private static final String RAISE = "DO $$ DECLARE d text; BEGIN SELECT diagnosis INTO d FROM patients WHERE id = 1;"
            + " RAISE NOTICE 'found %', d; END $$";

    @Test
    void noticesRaisedByCodeInTheDatabaseAreWithheld() throws Exception {
        try (Connection c = PostgresFixture.shared().superuserConnection(); Statement st = c.createStatement()) {
            st.execute("SET ROLE support_ro");
            st.execute(RAISE);
            assertTrue(String.valueOf(st.getWarnings()).contains(DIAGNOSIS), "raw in the notice: " + st.getWarnings());
        }
        for (String options : List.of("preferQueryMode=simple", "")) {
            try (Connection c = Gateway.connect("agent-" + UUID.randomUUID(), options, "support");
                    Statement st = c.createStatement()) {
                st.execute(RAISE);
                SQLWarning w = st.getWarnings();
                assertNotNull(w, "the notice still arrives");
                assertFalse(String.valueOf(w).contains("melanoma"), String.valueOf(w));
            }
        }
        ProcessResult psql = Psql.to(Gateway.target("agent-" + UUID.randomUUID(), "support")).command(RAISE);
        psql.requireSuccess();
        assertFalse(psql.stderr().contains("melanoma"), psql.stderr());
        assertTrue(psql.stderr().contains("NOTICE"), psql.stderr());
    }

    @Test
    void valuesSplicedIntoDynamicSqlAreMaskedInTheContextAndInternalQuery() throws Exception {
        String sql = "DO $$ DECLARE d text; BEGIN SELECT diagnosis INTO d FROM patients WHERE id = 1;"
                + " EXECUTE format('SELECT %L::int', d); END $$";
        SQLException direct = directError(sql);
        assertTrue(everything(direct).contains("melanoma"), everything(direct));
        SQLException e = gatewayError("agent-" + UUID.randomUUID(), "", "support", sql);
        assertFalse(everything(e).contains("melanoma"), everything(e));
        assertEquals("22P02", e.getSQLState());
        assertTrue(everything(e).contains("PL/pgSQL function"), "the code location stays: " + everything(e));
    }

    @Test
    void notificationPayloadsGoThroughTheDetectors() throws Exception {
        String notify = "SELECT pg_notify('side_door', ssn) FROM customers WHERE id = 7";
        try (Connection listener = PostgresFixture.shared().superuserConnection();
                Connection sender = PostgresFixture.shared().superuserConnection();
                Statement l = listener.createStatement(); Statement s = sender.createStatement()) {
            l.execute("LISTEN side_door");
            s.execute(notify);
            l.execute("SELECT 1");
            PGNotification[] got = listener.unwrap(PGConnection.class).getNotifications(2000);
            assertTrue(got != null && got.length > 0 && got[0].getParameter().equals(ssn), "raw payload directly");
        }
        for (String options : List.of("preferQueryMode=simple", "")) {
            try (Connection listener = Gateway.connect("agent-" + UUID.randomUUID(), options, "support");
                    Connection sender = Gateway.connect("agent-" + UUID.randomUUID(), options, "support");
                    Statement l = listener.createStatement(); Statement s = sender.createStatement()) {
                l.execute("LISTEN side_door");
                s.execute(notify);
                l.execute("SELECT 1");
                PGNotification[] got = listener.unwrap(PGConnection.class).getNotifications(5000);
                assertTrue(got != null && got.length > 0, "the notification still arrives");
                assertEquals("side_door", got[0].getName());
                assertFalse(leaks(got[0].getParameter(), ssn), got[0].getParameter());
            }
        }
    }
}
