package dev.pgwarden.gate;

import static dev.pgwarden.testing.RawPgClient.bind;
import static dev.pgwarden.testing.RawPgClient.close;
import static dev.pgwarden.testing.RawPgClient.concat;
import static dev.pgwarden.testing.RawPgClient.describe;
import static dev.pgwarden.testing.RawPgClient.execute;
import static dev.pgwarden.testing.RawPgClient.parse;
import static dev.pgwarden.testing.RawPgClient.query;
import static dev.pgwarden.testing.RawPgClient.sync;
import static dev.pgwarden.testing.RawPgClient.types;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
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
 * PostgreSQL's named objects as PostgreSQL tells them apart. Prepared statements and portals each have
 * one namespace shared by SQL (PREPARE, DECLARE) and the protocol (Parse, Bind); names are cut to 63
 * bytes; comments nest; after an error every message up to Sync is skipped. Each test takes a
 * statement whose rows the gateway masks by its lineage (an SSN with its dashes swapped, in an array,
 * a reversed card number) and tries to have its rows read under another statement's lineage, or none.
 * Every sequence first shows its raw values directly from PostgreSQL.
 */
@QuarkusTest
@QuarkusTestResource(GatewayTestResource.class)
@TestProfile(MaskingPolicyProfile.class)
class NamedObjectsMaskingTest {
    /** Computed columns: only their lineage says they hold masked values. */
    static final String LEAKY = "SELECT id, translate(ssn, '-', '/') AS t, ARRAY[ssn]::text AS a, "
            + "reverse(card_number) AS r, ROW(email)::text AS e FROM customers WHERE id = 7";
    /** The same shape, nothing masked. */
    static final String HARMLESS = "SELECT 1 AS id, 'a'::text AS t, 'b'::text AS a, 'c'::text AS r, 'd'::text AS e";
    static final String LONG = "x".repeat(63);
    private static List<String> raw;

    @BeforeAll
    static void rawValues() throws Exception {
        PostgresFixture pg = PostgresFixture.shared();
        String ssn = pg.queryForString("SELECT ssn FROM customers WHERE id = 7");
        String card = pg.queryForString("SELECT card_number FROM customers WHERE id = 7");
        String email = pg.queryForString("SELECT email FROM customers WHERE id = 7");
        raw = List.of(ssn, ssn.replace('-', '/'), card, new StringBuilder(card).reverse().toString(), email);
        try (Connection direct = pg.superuserConnection(); Statement st = direct.createStatement();
                ResultSet rs = st.executeQuery(LEAKY)) {
            assertTrue(rs.next());
            String row = rs.getString(2) + rs.getString(3) + rs.getString(4) + rs.getString(5);
            assertTrue(raw.stream().filter(row::contains).count() >= 3, "directly the statement returns " + row);
        }
    }

    /** pgbench -M prepared over a script that PREPAREs its own P_1 does this without trying. */
    @Test
    void anSqlPreparedStatementBoundByTheProtocolIsRefused() throws Exception {
        try (RawPgClient c = client()) {
            simple(c, "PREPARE p AS " + LEAKY);
            List<Message> run = c.send(concat(bind("", "p", false), execute(""), sync())).readUntilReady();
            assertRefused(run);
        }
    }

    @Test
    void aProtocolStatementRedefinedInSqlIsNotReadAsTheOldOne() throws Exception {
        try (RawPgClient c = client()) {
            assertEquals("1Z", types(c.send(concat(parse("s1", HARMLESS), sync())).readUntilReady()));
            simple(c, "DEALLOCATE s1");
            simple(c, "PREPARE s1 AS " + LEAKY);
            assertRefused(c.send(concat(bind("", "s1", false), execute(""), sync())).readUntilReady());
        }
    }

    /**
     * A statement the protocol Parsed, then an SQL PREPARE of its name: PostgreSQL refuses the PREPARE as
     * a duplicate and EXECUTE runs the Parsed statement (stock pgjdbc names its server statements S_1...,
     * node-postgres a named query as the client names it).
     */
    @Test
    void aDuplicatePrepareOfAProtocolStatementIsNotTakenForIt() throws Exception {
        String[] steps = { "PREPARE p AS " + LEAKY, "PREPARE p AS " + HARMLESS };
        try (Connection direct = PostgresFixture.shared().superuserConnection(); Statement st = direct.createStatement()) {
            st.execute(steps[0]);
            assertEquals("42P05", assertThrows(java.sql.SQLException.class, () -> st.execute(steps[1])).getSQLState());
            try (ResultSet rs = st.executeQuery("EXECUTE p")) {
                assertTrue(rs.next());
                assertTrue(raw.contains(rs.getString(2)), "directly EXECUTE p runs the first statement");
            }
        }
        try (RawPgClient c = client()) {
            assertEquals("1Z", types(c.send(concat(parse("p", LEAKY), sync())).readUntilReady()));
            assertEquals("42P05", error(c.send(query(steps[1])).readUntilReady()).sqlState());
            assertRefused(c.send(query("EXECUTE p")).readUntilReady());
        }
    }

    @Test
    void anSqlStatementRedefinedByTheProtocolIsNotExecutedAsTheOldOne() throws Exception {
        try (RawPgClient c = client()) {
            simple(c, "PREPARE p AS " + HARMLESS);
            List<Message> swap = c.send(concat(close('S', "p"), parse("p", LEAKY), sync())).readUntilReady();
            assertEquals("31Z", types(swap), "PostgreSQL now has the other statement under p");
            assertRefused(c.send(query("EXECUTE p")).readUntilReady());
        }
    }

    @Test
    void aCursorExecutedAsAPortalIsRefused() throws Exception {
        try (RawPgClient c = client()) {
            simple(c, "DECLARE c CURSOR WITH HOLD FOR " + LEAKY);
            assertRefused(c.send(concat(execute("c"), sync())).readUntilReady());
            // and a Bind of its name fails in PostgreSQL, which must not make the cursor the bound statement's
            List<Message> rebind = c.send(concat(parse("h", HARMLESS), bind("c", "h", false), sync())).readUntilReady();
            assertEquals("42P03", error(rebind).sqlState(), "cursor \"c\" already exists");
            assertRefused(c.send(concat(execute("c"), sync())).readUntilReady());
        }
    }

    /** A Close after an error is skipped: the statement is still there, and its rows are still its own. */
    @Test
    void aCloseSkippedAfterAnErrorLeavesTheStatementAsItWas() throws Exception {
        try (RawPgClient c = client()) {
            assertEquals("1Z", types(c.send(concat(parse("s1", LEAKY), sync())).readUntilReady()));
            List<Message> failed = c.send(concat(parse("", "SELECT 1/0"), bind("", "", false), execute(""),
                    close('S', "s1"), sync())).readUntilReady();
            assertEquals("22012", error(failed).sqlState());
            List<Message> run = c.send(concat(bind("", "s1", false), execute(""), sync())).readUntilReady();
            assertEquals("2DCZ", types(run), "s1 still runs: " + types(run));
            assertNoRawValue(run);
        }
    }

    /** A Describe skipped after an error describes nothing: the rows that follow later must still be described. */
    @Test
    void aDescribeSkippedAfterAnErrorIsNotTakenAsDone() throws Exception {
        try (RawPgClient c = client()) {
            simple(c, "PREPARE p AS " + LEAKY);
            assertEquals("1Z", types(c.send(concat(parse("f", "EXECUTE p"), sync())).readUntilReady()));
            List<Message> failed = c.send(concat(parse("bad", "SELECT 1/0"), bind("", "bad", false), execute(""),
                    describe('S', "f"), sync())).readUntilReady();
            assertEquals("22012", error(failed).sqlState());
            List<Message> run = c.send(concat(bind("", "f", true), execute(""), sync())).readUntilReady();
            assertEquals("2DCZ", types(run), "no description the client did not ask for: " + types(run));
            assertNoRawValue(run);
        }
    }

    /** PostgreSQL cuts names to 63 bytes: three names that differ after that are one cursor. */
    @Test
    void longCursorNamesAreOneCursorAsInPostgres() throws Exception {
        String[] steps = { "DECLARE " + LONG + "bbb CURSOR WITH HOLD FOR " + HARMLESS, "CLOSE " + LONG + "ccc",
            "DECLARE " + LONG + "aaa CURSOR WITH HOLD FOR " + LEAKY };
        String fetch = "FETCH 1 FROM " + LONG + "bbb";
        assertRawDirectly(steps, fetch);
        try (RawPgClient c = client()) {
            for (String s : steps) {
                simple(c, s);
            }
            assertNoRawValue(c.send(query(fetch)).readUntilReady());
        }
    }

    @Test
    void longPreparedStatementNamesAreOneStatementAsInPostgres() throws Exception {
        String[] steps = { "PREPARE " + LONG + "bbb AS " + HARMLESS, "DEALLOCATE " + LONG + "ccc",
            "PREPARE " + LONG + "aaa AS " + LEAKY };
        String run = "EXECUTE " + LONG + "bbb";
        assertRawDirectly(steps, run);
        try (RawPgClient c = client()) {
            for (String s : steps) {
                simple(c, s);
            }
            assertNoRawValue(c.send(query(run)).readUntilReady());
        }
    }

    /** Comments nest: the FETCH below reads cursor c, not e. */
    @Test
    void aFetchIsReadAsPostgresReadsItThroughNestedComments() throws Exception {
        String[] steps = { "DECLARE e CURSOR WITH HOLD FOR " + HARMLESS, "DECLARE c CURSOR WITH HOLD FOR " + LEAKY };
        String fetch = "FETCH /* /* */ a b c d e */ 1 FROM c";
        assertRawDirectly(steps, fetch);
        try (RawPgClient c = client()) {
            for (String s : steps) {
                simple(c, s);
            }
            assertNoRawValue(c.send(query(fetch)).readUntilReady());
        }
    }

    // ---- batches sent before the previous one's answer (pipelining): each batch's changes are its own ----

    /** A simple query's ReadyForQuery ends only its own batch: the Close and Parse behind it took. */
    @Test
    void aLaterBatchsChangesAreNotTakenBackByAnEarlierBatchsEnd() throws Exception {
        try (RawPgClient c = client()) {
            assertEquals("1Z", types(c.send(concat(parse("h", HARMLESS), sync())).readUntilReady()));
            c.send(concat(query("SELECT 1"), close('S', "h"), parse("h", LEAKY), sync()));
            c.readUntilReady();
            assertEquals("31Z", types(c.readUntilReady()), "PostgreSQL now has the other statement under h");
            List<Message> run = c.send(concat(bind("", "h", false), execute(""), sync())).readUntilReady();
            assertEquals("2DCZ", types(run));
            assertNoRawValue(run);
        }
    }

    /** A Describe of an earlier batch that an error skips does not describe a later batch's rows. */
    @Test
    void aDescribeSkippedInAnEarlierBatchIsNotTakenAsDone() throws Exception {
        try (RawPgClient c = client()) {
            simple(c, "PREPARE p AS " + LEAKY);
            assertEquals("1Z", types(c.send(concat(parse("f", "EXECUTE p"), sync())).readUntilReady()));
            c.send(concat(parse("bad", "SELECT 1/0"), bind("", "bad", false), execute(""), describe('S', "f"), sync(),
                    bind("", "f", true), execute(""), sync()));
            assertEquals("22012", error(c.readUntilReady()).sqlState());
            List<Message> run = c.readUntilReady();
            assertEquals("2DCZ", types(run), "no description the client did not ask for: " + types(run));
            assertNoRawValue(run);
        }
    }

    /** A Bind that fails in one batch does not make the next batch's Execute run the bound statement's masks. */
    @Test
    void aBindThatFailsInAnEarlierBatchDoesNotLendItsMasks() throws Exception {
        try (RawPgClient c = client()) {
            simple(c, "DECLARE c CURSOR WITH HOLD FOR " + LEAKY);
            c.send(concat(parse("h", HARMLESS), bind("c", "h", false), sync(), execute("c"), sync()));
            assertEquals("42P03", error(c.readUntilReady()).sqlState(), "cursor \"c\" already exists");
            assertNoRawValue(c.readUntilReady());
        }
    }

    /**
     * The same with the masked columns themselves, a binary Bind and the statement described before: with
     * the Bind not taken the gateway knows neither the rows' lineage nor their formats, so every column is
     * masked whole (the detectors read text only, and the rows come in the cursor's text format).
     */
    @Test
    void aBindThatFailsInAnEarlierBatchLeavesNoColumnOfTheCursorRaw() throws Exception {
        String direct = "SELECT id, ssn AS t, email AS a, card_number AS r, name AS e FROM customers WHERE id = 7";
        assertRawDirectly(new String[0], direct);
        try (RawPgClient c = client()) {
            simple(c, "DECLARE c CURSOR WITH HOLD FOR " + direct);
            assertEquals("1tZ", types(c.send(concat(parse("h", HARMLESS), describe('S', "h"), sync())).readUntilReady())
                    .replace("T", ""));
            c.send(concat(bind("c", "h", true), sync(), execute("c"), sync()));
            assertEquals("42P03", error(c.readUntilReady()).sqlState(), "cursor \"c\" already exists");
            List<Message> run = c.readUntilReady();
            assertEquals("DCZ", types(run), "the cursor's row: " + types(run));
            assertNoRawValue(run);
        }
    }

    /** The protocol's portals end with their transaction; a cursor declared under the name later is not one of them. */
    @Test
    void aPortalDoesNotOutliveItsTransaction() throws Exception {
        try (RawPgClient c = client()) {
            assertEquals("12Z", types(c.send(concat(parse("s", HARMLESS), bind("c", "s", false), sync()))
                    .readUntilReady()));
            simple(c, "DECLARE c CURSOR WITH HOLD FOR " + LEAKY);
            assertRefused(c.send(concat(execute("c"), sync())).readUntilReady());
        }
    }

    /** A cursor rolled back is gone: a portal bound later under its name is not read with its masks. */
    @Test
    void aCursorRolledBackDoesNotLendItsMasksToAPortalOfItsName() throws Exception {
        try (RawPgClient c = client()) {
            simple(c, "BEGIN");
            simple(c, "DECLARE \"C_2\" CURSOR WITH HOLD FOR " + HARMLESS);
            simple(c, "ROLLBACK");
            simple(c, "BEGIN");
            assertEquals("12Z", types(c.send(concat(parse("s", LEAKY), bind("C_2", "s", false), sync()))
                    .readUntilReady()));
            assertNoRawValue(c.send(query("FETCH ALL FROM \"C_2\"")).readUntilReady());
        }
    }

    /** A DEALLOCATE PostgreSQL skipped (its transaction had failed) leaves the name taken. */
    @Test
    void aDeallocateInAFailedTransactionLeavesTheNameTaken() throws Exception {
        String[] steps = { "PREPARE p AS " + LEAKY, "BEGIN", "SELECT 1/0", "DEALLOCATE p", "ROLLBACK",
            "PREPARE p AS " + HARMLESS };
        try (Connection direct = PostgresFixture.shared().superuserConnection(); Statement st = direct.createStatement()) {
            for (String s : steps) {
                try {
                    st.execute(s);
                } catch (java.sql.SQLException expected) {
                    // the division, the skipped DEALLOCATE and the duplicate PREPARE fail as they do below
                }
            }
            try (ResultSet rs = st.executeQuery("EXECUTE p")) {
                assertTrue(rs.next());
                assertTrue(raw.contains(rs.getString(2)), "directly EXECUTE p runs the first PREPARE");
            }
        }
        try (RawPgClient c = client()) {
            for (String s : steps) {
                c.send(query(s)).readUntilReady();
            }
            List<Message> run = c.send(query("EXECUTE p")).readUntilReady();
            assertNoRawValue(run);
            assertEquals("42501", error(run).sqlState(), "the gate cannot know which p PostgreSQL has");
        }
    }

    /** pgjdbc sends BEGIN and its Parse and Bind in one write: BEGIN's answer must not take them back. */
    @Test
    void pgjdbcReadsAResultInBatchesInATransaction() throws Exception {
        try (Connection c = dev.pgwarden.testing.Gateway.connect("named-jdbc", "", "analysts")) {
            c.setAutoCommit(false);
            try (Statement st = c.createStatement()) {
                st.setFetchSize(2);
                for (int run = 0; run < 3; run++) {
                    List<String> ids = dev.pgwarden.testing.Jdbc.firstColumn(st,
                            "SELECT id FROM customers ORDER BY id LIMIT 7");
                    assertEquals(7, ids.size(), "every batch of the portal is read");
                }
            }
            c.commit();
        }
    }

    private static RawPgClient client() throws Exception {
        RawPgClient c = new RawPgClient("127.0.0.1", GatewayTestResource.gatewayPort());
        List<Message> login = c.login("named-agent", PostgresFixture.DATABASE,
                GatewayTestResource.token("named-agent", "analysts"));
        assertEquals('Z', login.get(login.size() - 1).type(), "logged in");
        return c;
    }

    private static void simple(RawPgClient c, String sql) throws Exception {
        List<Message> got = c.send(query(sql)).readUntilReady();
        assertTrue(got.stream().noneMatch(m -> m.type() == 'E'), sql + ": " + (error(got) == null ? ""
                : error(got).field('M')));
    }

    /** Runs {@code steps} then {@code read} directly on PostgreSQL: the read returns raw values. */
    private static void assertRawDirectly(String[] steps, String read) throws Exception {
        try (Connection direct = PostgresFixture.shared().superuserConnection(); Statement st = direct.createStatement()) {
            for (String s : steps) {
                st.execute(s);
            }
            try (ResultSet rs = st.executeQuery(read)) {
                assertTrue(rs.next());
                String row = rs.getString(2) + rs.getString(3) + rs.getString(4) + rs.getString(5);
                assertTrue(raw.stream().anyMatch(row::contains), "directly " + read + " returns " + row);
            }
        }
    }

    private static Message error(List<Message> messages) {
        return messages.stream().filter(m -> m.type() == 'E').findFirst().orElse(null);
    }

    private static void assertRefused(List<Message> got) {
        Message e = error(got);
        assertTrue(e != null, "refused: " + types(got));
        assertEquals("42501", e.sqlState(), e.field('M'));
        assertNoRawValue(got);
    }

    private static void assertNoRawValue(List<Message> got) {
        List<String> values = new ArrayList<>();
        for (Message m : got) {
            if (m.type() == 'D') {
                values.addAll(RawPgClient.dataRowValues(m));
            }
        }
        for (String v : values) {
            for (String r : raw) {
                assertTrue(v == null || !v.contains(r), "raw value " + r + " in " + values);
            }
        }
    }
}
