package dev.pgwarden.gate;

import static dev.pgwarden.testing.RawPgClient.bind;
import static dev.pgwarden.testing.RawPgClient.concat;
import static dev.pgwarden.testing.RawPgClient.dataRowValues;
import static dev.pgwarden.testing.RawPgClient.describe;
import static dev.pgwarden.testing.RawPgClient.execute;
import static dev.pgwarden.testing.RawPgClient.parse;
import static dev.pgwarden.testing.RawPgClient.sync;
import static dev.pgwarden.testing.RawPgClient.types;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.pgwarden.testing.GatewayTestResource;
import dev.pgwarden.testing.PostgresFixture;
import dev.pgwarden.testing.RawPgClient;
import dev.pgwarden.testing.RawPgClient.Message;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * Rows the client never had described: Parse, Bind (binary results), Execute, Sync, no Describe. For
 * a SELECT the gateway knows the columns' lineage from the statement itself; for a FETCH from a cursor
 * or an SQL-level EXECUTE the rows are another statement's, and without a description the gateway
 * cannot tell which columns come from masked tables, nor (binary) run its detectors. It describes the
 * portal itself, keeps the answer to itself, and masks the rows by it.
 */
@QuarkusTest
@QuarkusTestResource(GatewayTestResource.class)
@TestProfile(MaskingPolicyProfile.class)
class UndescribedResultsMaskingTest {
    private static String ssn;
    private static String card;
    private static String email;

    @BeforeAll
    static void rawValues() {
        PostgresFixture pg = PostgresFixture.shared();
        ssn = pg.queryForString("SELECT ssn FROM customers WHERE id = 7");
        card = pg.queryForString("SELECT card_number FROM customers WHERE id = 7");
        email = pg.queryForString("SELECT email FROM customers WHERE id = 7");
    }

    private static final String COLUMNS = "SELECT id, ssn, card_number, email, translate(ssn, '-', '/') "
            + "FROM customers WHERE id = 7";

    @Test
    void aFetchExecutedWithoutDescribeIsMasked() throws Exception {
        assertRawDirectly("DECLARE c CURSOR WITH HOLD FOR " + COLUMNS, "FETCH 1 FROM c");
        List<Message> got = undescribed("DECLARE c CURSOR WITH HOLD FOR " + COLUMNS, "FETCH 1 FROM c");
        assertMasked(got);
    }

    /**
     * A cursor a function opened has no lineage the gateway knows: only a description tells which of its
     * columns are computed (masked whole) and which come from a masked table (masked by their rule).
     */
    @Test
    void aFunctionsCursorFetchedWithoutDescribeIsMasked() throws Exception {
        PostgresFixture pg = PostgresFixture.shared();
        pg.execute("""
                CREATE OR REPLACE FUNCTION open_undescribed(c refcursor) RETURNS refcursor LANGUAGE plpgsql AS $$
                BEGIN OPEN c FOR SELECT id, ssn, card_number, email, translate(ssn, '-', '/') FROM customers
                WHERE id = 7; RETURN c; END $$""");
        pg.execute("GRANT EXECUTE ON FUNCTION open_undescribed(refcursor) TO analyst_ro");
        assertMasked(undescribed("BEGIN; SELECT open_undescribed('fc')", "FETCH ALL FROM fc"));
    }

    @Test
    void anSqlExecuteExecutedWithoutDescribeIsMasked() throws Exception {
        assertRawDirectly("PREPARE p AS " + COLUMNS, "EXECUTE p");
        assertMasked(undescribed("PREPARE p AS " + COLUMNS, "EXECUTE p"));
    }

    /**
     * A second Parse of a name fails (PostgreSQL keeps the first statement): a later Bind runs the first
     * one, so its rows must be masked as the first one's, not as the text of the Parse that failed.
     */
    @Test
    void aNameParsedAgainKeepsTheStatementPostgresKept() throws Exception {
        try (RawPgClient client = new RawPgClient("127.0.0.1", GatewayTestResource.gatewayPort())) {
            client.login("raw-agent", PostgresFixture.DATABASE, GatewayTestResource.token("raw-agent", "analysts"));
            List<Message> first = client.send(concat(parse("kept", COLUMNS), sync())).readUntilReady();
            assertEquals("1Z", types(first), "the first Parse takes");
            List<Message> second = client.send(concat(parse("kept", "SELECT 1, 'x'::text, 'y'::text, 'z'::text, "
                    + "'w'::text"), sync())).readUntilReady();
            assertEquals('E', second.get(0).type(), "PostgreSQL refuses the second Parse of the name");
            assertEquals("42P05", second.get(0).sqlState(), second.get(0).field('M'));
            List<Message> run = client.send(concat(bind("", "kept", true), describe('P', ""), execute(""), sync()))
                    .readUntilReady();
            assertEquals("2TDCZ", types(run), "the first statement runs: " + types(run));
            List<String> values = dataRowValues(run.get(2));
            for (String raw : new String[] { ssn, card, email, ssn.replace('-', '/') }) {
                assertFalse(values.contains(raw), "raw value " + raw + " in " + values);
            }
        }
    }

    /** A statement that returns no rows gets no description, and its run its command tag, as without the gateway. */
    @Test
    void aStatementWithoutRowsStillAnswersAsUsual() throws Exception {
        List<Message> got = undescribed("SET lock_timeout = '5s'", "SET statement_timeout = '30s'");
        assertEquals("12CZ", types(got), "ParseComplete, BindComplete, CommandComplete, ReadyForQuery");
    }

    private static void assertRawDirectly(String setup, String run) throws Exception {
        try (Connection direct = PostgresFixture.shared().superuserConnection(); Statement st = direct.createStatement()) {
            st.execute(setup);
            try (ResultSet rs = st.executeQuery(run)) {
                assertTrue(rs.next());
                assertEquals(ssn, rs.getString(2), "directly the rows carry the raw SSN");
            }
        }
    }

    private static void assertMasked(List<Message> got) {
        assertEquals("12DCZ", types(got), "no RowDescription the client did not ask for: " + types(got));
        List<String> values = dataRowValues(got.get(2));
        assertEquals(5, values.size());
        for (String raw : new String[] { ssn, card, email, ssn.replace('-', '/') }) {
            assertFalse(values.contains(raw), "raw value " + raw + " in " + values);
        }
        assertFalse(values.stream().anyMatch(v -> v != null && v.contains(ssn.substring(ssn.length() - 4))
                && v.replaceAll("\\D", "").length() >= 9), "an SSN's digits in " + values);
    }

    /** Runs {@code setup} as a simple query, then {@code sql} as Parse/Bind(binary)/Execute/Sync; the second part's replies. */
    private static List<Message> undescribed(String setup, String sql) throws Exception {
        try (RawPgClient client = new RawPgClient("127.0.0.1", GatewayTestResource.gatewayPort())) {
            List<Message> login = client.login("raw-agent", PostgresFixture.DATABASE,
                    GatewayTestResource.token("raw-agent", "analysts"));
            assertEquals('Z', login.get(login.size() - 1).type(), "logged in");
            List<Message> set = client.send(RawPgClient.query(setup)).readUntilReady();
            assertFalse(types(set).contains("E"), "the setup ran: " + types(set));
            return client.send(concat(parse("", sql), bind("", "", true), execute(""), sync())).readUntilReady();
        }
    }
}
