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
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.pgwarden.testing.Gateway;
import dev.pgwarden.testing.GatewayTestResource;
import dev.pgwarden.testing.PostgresFixture;
import dev.pgwarden.testing.ProcessResult;
import dev.pgwarden.testing.Psql;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * Each bypass technique is first shown to return the raw value straight from PostgreSQL, then
 * shown not to return it through the gateway.
 */
@QuarkusTest
@QuarkusTestResource(GatewayTestResource.class)
@TestProfile(MaskingPolicyProfile.class)
class MaskingThroughGatewayTest {
    private static String ssn;
    private static String card;
    private static String email;

    @BeforeAll
    static void rawValues() {
        PostgresFixture pg = PostgresFixture.shared();
        ssn = pg.queryForString("SELECT ssn FROM customers WHERE id = 7");
        card = pg.queryForString("SELECT card_number FROM customers WHERE id = 7");
        email = pg.queryForString("SELECT email FROM customers WHERE id = 7");
        pg.execute("CREATE OR REPLACE VIEW v_c AS SELECT id, ssn AS s FROM customers");
        pg.execute("GRANT SELECT ON v_c TO analyst_ro, support_ro");
    }

    /** Runs {@code sql} over {@code c} and returns every value of every row as text. */
    private static List<String> values(Connection c, String sql) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            int n = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                for (int i = 1; i <= n; i++) {
                    out.add(rs.getString(i));
                }
            }
        }
        return out;
    }

    private static boolean leaks(List<String> values, String secret) {
        String digits = secret.replaceAll("\\D", "");
        return values.stream().anyMatch(v -> v != null
                && (v.contains(secret) || (!digits.isEmpty() && v.replaceAll("\\D", "").contains(digits))));
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "SELECT ssn FROM customers WHERE id = 7",
            "SELECT ssn AS x FROM customers WHERE id = 7",
            "SELECT c.ssn AS nothing_to_see FROM customers c WHERE c.id = 7",
            "SELECT ssn::varchar(20) FROM customers WHERE id = 7",
            "SELECT 'ssn: ' || ssn FROM customers WHERE id = 7",
            "SELECT upper(ssn) FROM customers WHERE id = 7",
            "SELECT replace(ssn, '-', '') FROM customers WHERE id = 7",
            "SELECT CASE WHEN true THEN ssn END FROM customers WHERE id = 7",
            "SELECT x FROM (SELECT ssn AS x FROM customers WHERE id = 7) s",
            "WITH c AS (SELECT ssn FROM customers WHERE id = 7) SELECT lower(ssn) FROM c",
            "SELECT name FROM customers WHERE id = 1 UNION ALL SELECT ssn FROM customers WHERE id = 7",
            "SELECT s FROM v_c WHERE id = 7",
            "SELECT row_to_json(c) FROM customers c WHERE id = 7",
            "SELECT to_jsonb(c) FROM customers c WHERE id = 7",
            "SELECT json_agg(c) FROM customers c WHERE id = 7",
            "SELECT string_agg(ssn, ',') FROM customers WHERE id IN (7, 8)",
            "SELECT array_agg(ssn) FROM customers WHERE id IN (7, 8)",
            "SELECT c FROM customers c WHERE id = 7",
            "SELECT * FROM customers WHERE id = 7",
    })
    void theSsnDoesNotLeak(String sql) throws Exception {
        try (Connection direct = PostgresFixture.shared().superuserConnection()) {
            assertTrue(leaks(values(direct, sql), ssn), "without the gateway the raw SSN comes back: " + sql);
        }
        try (Connection c = Gateway.analyst()) {
            List<String> got = values(c, sql);
            assertFalse(got.isEmpty(), "the query still answers");
            assertFalse(leaks(got, ssn), "raw SSN leaked through the gateway for " + sql + ": " + got);
        }
    }

    /** A fragment is no pattern a detector knows: only the planner's lineage through the view finds it. */
    @ParameterizedTest
    @ValueSource(strings = { "SELECT substring(s, 8) FROM v_c WHERE id = 7",
            "WITH x AS (SELECT s FROM v_c) SELECT right(s, 4) FROM x, customers c WHERE c.id = 7 AND x.s = c.ssn",
            "SELECT (SELECT right(s, 4) FROM v_c WHERE v_c.id = c.id) FROM customers c WHERE c.id = 7" })
    void fragmentsThroughViewsAreMaskedByPlannerLineage(String sql) throws Exception {
        String tail = ssn.substring(ssn.length() - 4);
        try (Connection direct = PostgresFixture.shared().superuserConnection()) {
            assertEquals(List.of(tail), values(direct, sql), "without the gateway the fragment comes back");
        }
        try (Connection c = Gateway.analyst()) {
            List<String> got = values(c, sql);
            assertEquals(1, got.size());
            assertFalse(tail.equals(got.get(0)), "fragment leaked: " + got);
        }
        try (Connection c = Gateway.connect("agent-7", "prepareThreshold=1", "analysts");
                PreparedStatement ps = c.prepareStatement("SELECT substring(s, 8) FROM v_c WHERE id = ?")) {
            ps.setInt(1, 7);
            try (ResultSet rs = ps.executeQuery()) {
                assertTrue(rs.next());
                assertFalse(tail.equals(rs.getString(1)), "fragment leaked over the extended protocol");
            }
        }
    }

    /** A rule on a partitioned table covers its partitions, queried directly or through the parent. */
    @ParameterizedTest
    @ValueSource(strings = { "SELECT secret FROM events WHERE id = 5", "SELECT secret FROM events_low WHERE id = 5",
            "SELECT substring(secret, 1, 6) FROM events_low WHERE id = 5", "SELECT upper(secret) FROM events WHERE id = 5" })
    void partitionsAreMaskedByTheirParentsRule(String sql) throws Exception {
        PostgresFixture pg = PostgresFixture.shared();
        pg.execute("CREATE TABLE IF NOT EXISTS events (id int, secret text) PARTITION BY RANGE (id)");
        pg.execute("CREATE TABLE IF NOT EXISTS events_low PARTITION OF events FOR VALUES FROM (0) TO (100)");
        pg.execute("INSERT INTO events SELECT 5, 'topsecretvalue' WHERE NOT EXISTS (SELECT 1 FROM events)");
        pg.execute("GRANT SELECT ON events, events_low TO analyst_ro");
        try (Connection direct = pg.superuserConnection()) {
            assertTrue(values(direct, sql).get(0).toLowerCase().startsWith("topsec"), "raw value directly");
        }
        try (Connection c = Gateway.analyst()) {
            List<String> got = values(c, sql);
            assertFalse(got.get(0) != null && got.get(0).toLowerCase().startsWith("topsec"), sql + " leaked " + got);
        }
    }

    @Test
    void cardNumbersKeepTheirLastFourAndEmailsTheirDomain() throws Exception {
        try (Connection c = Gateway.analyst()) {
            List<String> got = values(c, "SELECT card_number, email, name FROM customers WHERE id = 7");
            assertFalse(got.get(0).contains(card), got.get(0));
            assertTrue(got.get(0).endsWith(card.substring(card.length() - 4)), got.get(0));
            assertFalse(got.get(1).equals(email));
            assertTrue(got.get(1).endsWith(email.substring(email.indexOf('@'))), got.get(1));
            assertEquals(PostgresFixture.shared().queryForString("SELECT name FROM customers WHERE id = 7"), got.get(2),
                    "unmasked columns pass untouched");
        }
    }

    /**
     * Values of no masked column, only the detectors see: they read arrays and records in text format too
     * (text[] from a table's column, a record built in the query), and a masked one stays parseable.
     */
    @Test
    void detectorsReadArraysAndRecords() throws Exception {
        String sql = "SELECT ARRAY['alice', '123-45-6789']::text[], ROW('bob@example.org', 1), "
                + "ARRAY[ROW('4000133281305541')]";
        try (Connection direct = PostgresFixture.shared().superuserConnection()) {
            List<String> got = values(direct, sql);
            assertTrue(got.get(0).contains("123-45-6789") && got.get(1).contains("bob@example.org")
                    && got.get(2).contains("4000133281305541"), "directly: " + got);
        }
        try (Connection c = Gateway.analyst()) {
            List<String> got = values(c, sql);
            for (String raw : new String[] { "123-45-6789", "bob@example.org", "4000133281305541" }) {
                assertFalse(leaks(got, raw), raw + " in " + got);
            }
            assertTrue(got.get(0).startsWith("{alice,"), got.get(0));
            assertTrue(got.get(1).endsWith(",1)"), got.get(1));
        }
    }

    @Test
    void binaryTransferAndServerPreparedStatementsAreMaskedToo() throws Exception {
        try (Connection c = Gateway.connect("agent-7", "prepareThreshold=1&binaryTransfer=true", "analysts");
                PreparedStatement ps = c.prepareStatement("SELECT ssn, card_number, id FROM customers WHERE id = ?")) {
            for (int run = 0; run < 4; run++) { // later runs Bind/Execute without Describe
                ps.setInt(1, 7);
                try (ResultSet rs = ps.executeQuery()) {
                    assertTrue(rs.next());
                    assertFalse(rs.getString(1).contains(ssn), rs.getString(1));
                    assertFalse(rs.getString(2).contains(card), rs.getString(2));
                    assertEquals(7, rs.getInt(3), "a binary int column is untouched");
                }
            }
        }
    }

    @Test
    void cursorsAreMasked() throws Exception {
        try (Connection c = Gateway.analyst(); Statement st = c.createStatement()) {
            c.setAutoCommit(false);
            st.execute("DECLARE cur CURSOR FOR SELECT ssn FROM customers ORDER BY id");
            List<String> got = new ArrayList<>();
            try (ResultSet rs = st.executeQuery("FETCH 10 FROM cur")) {
                while (rs.next()) {
                    got.add(rs.getString(1));
                }
            }
            assertEquals(10, got.size());
            assertFalse(leaks(got, ssn), got.toString());
            c.rollback();
        }
    }

    /** Every value a cursor over {@code query} returns, declared and fetched over {@code c}. */
    private static List<String> fetchedThroughCursor(Connection c, String query) throws SQLException {
        c.setAutoCommit(false);
        try (Statement st = c.createStatement()) {
            st.execute("DECLARE leak CURSOR FOR " + query);
            List<String> got = values(c, "FETCH ALL FROM leak");
            c.rollback();
            return got;
        }
    }

    /**
     * A FETCH returns its cursor's query's columns: values computed from masked columns, which only the
     * query's lineage shows (the FETCH's RowDescription names no table), are masked as that query's.
     */
    @ParameterizedTest
    @ValueSource(strings = { "SELECT md5(ssn) FROM customers WHERE id = 7",
            "SELECT translate(ssn, '-', '/') FROM customers WHERE id = 7",
            "SELECT reverse(card_number), replace(email, '@', ' at ') FROM customers WHERE id = 7",
            "SELECT substring(s, 8) FROM v_c WHERE id = 7" })
    void computedColumnsFetchedFromACursorAreMasked(String query) throws Exception {
        List<String> raw;
        try (Connection direct = PostgresFixture.shared().superuserConnection()) {
            raw = fetchedThroughCursor(direct, query);
        }
        assertTrue(raw.stream().allMatch(v -> v != null && !v.contains("*")), "directly the cursor returns " + raw);
        for (String options : new String[] { "preferQueryMode=simple", "prepareThreshold=1" }) {
            try (Connection c = Gateway.connect("agent-7", options, "analysts")) {
                List<String> got = fetchedThroughCursor(c, query);
                assertEquals(raw.size(), got.size(), "the FETCH still answers");
                for (String v : raw) {
                    assertFalse(got.contains(v), query + " leaked " + v + " through a cursor (" + options + "): " + got);
                }
            }
        }
    }

    private static final String SSN_STATISTICS = " FROM pg_stats WHERE tablename = 'customers' AND attname = 'ssn'";

    /**
     * The planner's statistics sample every analysed column: read through pg_stats, a role that may read
     * the table gets a hundred of its SSNs in histogram_bounds. While masking is on, those values are masked
     * whole, whatever the spelling (the detectors alone miss a reshaped or non-text value).
     */
    @ParameterizedTest
    @ValueSource(strings = { "SELECT histogram_bounds" + SSN_STATISTICS,
            "SELECT translate(histogram_bounds::text, '-', '/')" + SSN_STATISTICS,
            "SELECT translate(array_to_string(histogram_bounds, ' '), '-', 'x')" + SSN_STATISTICS,
            "SELECT s.h FROM (SELECT histogram_bounds AS h" + SSN_STATISTICS + ") s" })
    void plannerStatisticsDoNotHandOutMaskedValues(String sql) throws Exception {
        PostgresFixture pg = PostgresFixture.shared();
        pg.execute("ANALYZE customers");
        List<String> ssns = new ArrayList<>();
        try (Connection direct = pg.superuserConnection()) {
            ssns.addAll(values(direct, "SELECT ssn FROM customers"));
            List<String> raw = values(direct, sql);
            assertTrue(ssns.stream().anyMatch(v -> leaks(raw, v)), "directly pg_stats returns raw SSNs: " + raw);
        }
        try (Connection c = Gateway.analyst()) {
            List<String> got = values(c, sql);
            assertEquals(1, got.size(), "the statistics row still answers");
            for (String v : ssns) {
                assertFalse(leaks(got, v), sql + " leaked SSN " + v + ": " + got);
            }
            assertEquals("customers", values(c, "SELECT tablename" + SSN_STATISTICS).get(0),
                    "statistics without sample values stay readable");
        }
    }

    /** A condition on the sampled values would answer guesses about them: refused like one on the column. */
    @Test
    void conditionsOnPlannerStatisticsAreRefused() throws Exception {
        PostgresFixture.shared().execute("ANALYZE customers");
        try (Connection c = Gateway.analyst()) {
            SQLException e = assertThrows(SQLException.class,
                    () -> values(c, "SELECT count(*)" + SSN_STATISTICS + " AND histogram_bounds::text LIKE '%1%'"));
            assertEquals("42501", e.getSQLState(), e.getMessage());
            assertTrue(e.getMessage().contains("pg_statistic.stavalues") && e.getMessage().contains("LIKE"),
                    "refused for the condition: " + e.getMessage());
        }
    }

    /** ts_rewrite's two-argument form runs its second argument as a query: the gateway cannot see what it reads. */
    @Test
    void functionsThatRunTheirTextAsAQueryAreRefused() throws Exception {
        String sql = "SELECT ts_rewrite('a'::tsquery, 'SELECT ''a''::tsquery, "
                + "quote_literal(translate(ssn, ''-'', ''x''))::tsquery FROM customers WHERE id = 7')";
        try (Connection direct = PostgresFixture.shared().superuserConnection()) {
            assertTrue(leaks(values(direct, sql), ssn), "directly the query in the text returns the SSN");
        }
        try (Connection c = Gateway.analyst()) {
            SQLException e = assertThrows(SQLException.class, () -> values(c, sql));
            assertTrue(e.getMessage().contains("ts_rewrite"), e.getMessage());
        }
    }

    /** A holdable cursor keeps its query's masks after the transaction that declared it commits. */
    @Test
    void aHoldableCursorStaysMaskedAfterCommit() throws Exception {
        String md5 = PostgresFixture.shared().queryForString("SELECT md5(ssn) FROM customers WHERE id = 7");
        try (Connection c = Gateway.analyst(); Statement st = c.createStatement()) {
            st.execute("DECLARE held CURSOR WITH HOLD FOR SELECT md5(ssn) FROM customers WHERE id = 7");
            List<String> got = values(c, "FETCH ALL FROM held");
            assertEquals(1, got.size());
            assertFalse(got.contains(md5), "md5 of the SSN leaked through a holdable cursor: " + got);
            st.execute("CLOSE held");
        }
    }

    /**
     * A cursor opened inside a function and fetched by name was never declared where the gateway could
     * read its query: every computed column it returns is masked whole.
     */
    @Test
    void aCursorAFunctionOpenedIsMaskedWhole() throws Exception {
        PostgresFixture pg = PostgresFixture.shared();
        pg.execute("""
                CREATE OR REPLACE FUNCTION open_customers(c refcursor) RETURNS refcursor LANGUAGE plpgsql AS $$
                BEGIN OPEN c FOR SELECT md5(ssn), id FROM customers WHERE id = 7; RETURN c; END $$""");
        pg.execute("GRANT EXECUTE ON FUNCTION open_customers(refcursor) TO analyst_ro");
        String md5 = pg.queryForString("SELECT md5(ssn) FROM customers WHERE id = 7");
        try (Connection direct = pg.superuserConnection(); Statement st = direct.createStatement()) {
            direct.setAutoCommit(false);
            st.execute("SELECT open_customers('opened')");
            assertEquals(List.of(md5, "7"), values(direct, "FETCH ALL FROM opened"), "directly the raw md5 comes back");
            direct.rollback();
        }
        try (Connection c = Gateway.analyst(); Statement st = c.createStatement()) {
            c.setAutoCommit(false);
            st.execute("SELECT open_customers('opened')");
            List<String> got = values(c, "FETCH ALL FROM opened");
            assertEquals(2, got.size());
            assertFalse(got.contains(md5), "md5 of the SSN leaked through a function's cursor: " + got);
            c.rollback();
        }
    }

    /**
     * PREPARE of a name the session has already prepared fails, and PostgreSQL keeps the first query:
     * EXECUTE then runs that one, so the gateway must not decide and mask it as the second.
     */
    @Test
    void anSqlPrepareOfATakenNameDoesNotChangeWhatExecuteIsDecidedOn() throws Exception {
        String first = "PREPARE twice AS SELECT translate(ssn, '-', '/') FROM customers WHERE id = 7";
        String second = "PREPARE twice AS SELECT 'hello'::text";
        try (Connection direct = PostgresFixture.shared().superuserConnection(); Statement st = direct.createStatement()) {
            st.execute(first);
            assertThrows(SQLException.class, () -> st.execute(second), "PostgreSQL refuses the second PREPARE");
            assertEquals(List.of(ssn.replace('-', '/')), values(direct, "EXECUTE twice"), "and runs the first");
        }
        try (Connection c = Gateway.connect("agent-7", "preferQueryMode=simple", "analysts");
                Statement st = c.createStatement()) {
            st.execute(first);
            assertThrows(SQLException.class, () -> st.execute(second));
            // pgwarden cannot know which of the two the name holds now: refused like a name never prepared
            SQLException refused = assertThrows(SQLException.class, () -> values(c, "EXECUTE twice"));
            assertEquals("42501", refused.getSQLState(), refused.getMessage());
        }
    }

    @Test
    void sqlLevelPrepareAndExecuteWorkInEverySessionAndAreMasked() throws Exception {
        for (int session = 0; session < 2; session++) { // the second session hits the cached verdict
            try (Connection c = Gateway.connect("agent-7", "preferQueryMode=simple", "analysts");
                    Statement st = c.createStatement()) {
                st.execute("PREPARE p AS SELECT ssn FROM customers WHERE id = $1");
                List<String> got = values(c, "EXECUTE p(7)");
                assertEquals(1, got.size());
                assertFalse(leaks(got, ssn), got.toString());
            }
        }
    }

    @Test
    void psqlSeesMaskedValues() {
        ProcessResult r = Psql.to(Gateway.target("agent-7", "analysts"))
                .command("SELECT ssn, card_number, email FROM customers WHERE id = 7");
        r.requireSuccess();
        assertFalse(r.out().contains(ssn), r.out());
        assertFalse(r.out().contains(card), r.out());
        assertFalse(r.out().contains(email), r.out());
    }

    @Test
    void copyToStdoutIsMasked() {
        ProcessResult direct = Psql.to(PostgresFixture.shared().superuserTarget())
                .command("COPY (SELECT id, ssn, card_number FROM customers WHERE id = 7) TO STDOUT");
        assertTrue(direct.out().contains(ssn), "without the gateway COPY carries the raw SSN");
        for (String format : List.of("", " WITH (FORMAT csv)")) {
            ProcessResult r = Psql.to(Gateway.target("agent-3", "support"))
                    .command("COPY (SELECT id, ssn, card_number FROM customers WHERE id = 7) TO STDOUT" + format);
            r.requireSuccess();
            assertTrue(r.out().startsWith("7"), r.out());
            assertFalse(r.out().contains(ssn), r.out());
            assertFalse(r.out().contains(card), r.out());
        }
    }

    /**
     * The rewriter cuts COPY lines where the statement's own options put the field ends: with another
     * delimiter, or a text COPY that merely says "csv", a masked value in a field cut by another layout
     * (the constant padded to the planned field count) must not come back.
     */
    @Test
    void copyFieldsAreCutByTheStatementsOwnOptions() {
        String encoded = ssn.chars().mapToObj(ch -> Character.isDigit(ch) ? String.valueOf((char) ('a' + ch - '0'))
                : String.valueOf((char) ch)).collect(java.util.stream.Collectors.joining());
        String query = "SELECT 'csv' AS a, translate(ssn, '0123456789', 'abcdefghij') AS s, 'u,v,w' AS z "
                + "FROM customers WHERE id = 7";
        for (String copy : List.of("COPY (" + query + ") TO STDOUT (FORMAT csv, DELIMITER ';')",
                "COPY (" + query + ") TO STDOUT", "COPY (" + query + ") TO STDOUT WITH CSV DELIMITER AS '|' QUOTE ''''")) {
            ProcessResult direct = Psql.to(PostgresFixture.shared().superuserTarget()).command(copy);
            assertTrue(direct.out().contains(encoded), "without the gateway: " + direct.out());
            ProcessResult r = Psql.to(Gateway.target("agent-3", "support")).command(copy);
            r.requireSuccess();
            assertFalse(r.out().contains(encoded), copy + ": " + r.out());
            assertTrue(r.out().contains("u,v,w"), "the constant's field is left as it is: " + r.out());
        }
        // Refused: another encoding, and a text-format NULL string, which PostgreSQL writes a value equal
        // to it as (the masked SSN equal to a guess would come back as the guess: an oracle).
        String oracle = "COPY (SELECT ssn FROM customers WHERE id = 7) TO STDOUT (NULL '" + ssn + "')";
        assertTrue(Psql.to(PostgresFixture.shared().superuserTarget()).command(oracle).out().contains(ssn));
        for (String refused : List.of("COPY (" + query + ") TO STDOUT (ENCODING 'LATIN1')", oracle)) {
            ProcessResult r = Psql.to(Gateway.target("agent-3", "support")).command(refused);
            assertTrue(r.stderr().contains("cannot read this COPY's options"), r.describe());
            assertFalse(r.out().contains(ssn), r.out());
        }
    }

    @Test
    void copyOfAWholeTableIsMaskedByColumn() {
        String copy = "COPY customers (id, ssn, card_number) TO STDOUT";
        ProcessResult direct = Psql.to(PostgresFixture.shared().superuserTarget()).command(copy);
        assertTrue(direct.out().contains(ssn), "without the gateway COPY carries the raw SSN");
        ProcessResult r = Psql.to(Gateway.target("agent-3", "support")).command(copy);
        r.requireSuccess();
        assertFalse(r.out().contains(ssn), r.out().lines().findFirst().orElse(""));
        assertFalse(r.out().contains(card), "card numbers masked");
        assertEquals(PostgresFixture.CUSTOMER_COUNT, r.out().lines().count(), "every row still arrives");
        String row7 = r.out().lines().filter(l -> l.startsWith("7\t")).findFirst().orElseThrow();
        assertTrue(row7.endsWith(card.substring(card.length() - 4)), "last4 applied to the card column: " + row7);
    }

    @Test
    void binaryCopyIsRefusedWhenItCouldCarryMaskedColumns() throws Exception {
        try (Connection c = Gateway.connect("agent-3", "", "support"); Statement st = c.createStatement()) {
            SQLException e = assertThrows(SQLException.class,
                    () -> st.execute("COPY customers TO STDOUT (FORMAT binary)"));
            assertEquals("42501", e.getSQLState());
            assertTrue(e.getMessage().contains("binary COPY"), e.getMessage());
            assertEquals(List.of("1"), values(c, "SELECT 1"));
        }
    }

    @Test
    void blockedStatementsGet42501WithTheRuleMessageAndTheSessionStaysUsable() throws Exception {
        try (Connection c = Gateway.analyst(); Statement st = c.createStatement()) {
            SQLException e = assertThrows(SQLException.class, () -> st.executeUpdate("INSERT INTO items VALUES (99, 'x')"));
            assertEquals("42501", e.getSQLState());
            assertTrue(e.getMessage().contains("agents are read-only"), e.getMessage());
            assertEquals(List.of("1"), values(c, "SELECT 1"));
        }
        assertEquals("0", PostgresFixture.shared().queryForString("SELECT count(*) FROM items WHERE id = 99"));
    }

    @ParameterizedTest
    @ValueSource(strings = { "RESET ROLE", "SET ROLE postgres", "SET SESSION AUTHORIZATION postgres",
            "SELECT set_config('role', 'postgres', false)", "SELECT set_config('ro' || 'le', 'postgres', false)",
            "DISCARD ALL", "SET search_path TO pg_temp, public", "SELECT set_config('search_path', 'x', false)" })
    void leavingTheMappedRoleOrThePinnedSearchPathIsRefused(String sql) throws Exception {
        try (Connection c = Gateway.connect("agent-9", "", "support"); Statement st = c.createStatement()) {
            SQLException e = assertThrows(SQLException.class, () -> st.execute(sql));
            assertEquals("42501", e.getSQLState(), e.getMessage());
            assertEquals(List.of("support_ro"), values(c, "SELECT current_user"));
        }
    }

    @Test
    void anUnanalysableStatementIsRefusedNotPassedThrough() throws Exception {
        try (Connection c = Gateway.connect("agent-9", "", "support"); Statement st = c.createStatement()) {
            SQLException e = assertThrows(SQLException.class, () -> st.execute("SELECT ssn FROM customers WHERE id = 7 !!! ??"));
            assertEquals("42501", e.getSQLState(), e.getMessage());
            assertNotNull(e.getMessage());
            assertEquals(List.of("ok"), values(c, "SELECT 'ok'"));
        }
    }

    @Test
    void multiStatementStringsAreDecidedAsAWhole() throws Exception {
        try (Connection c = Gateway.connect("agent-7", "preferQueryMode=simple", "analysts"); Statement st = c.createStatement()) {
            SQLException e = assertThrows(SQLException.class,
                    () -> st.execute("SELECT 1; DELETE FROM orders; SELECT 2"));
            assertEquals("42501", e.getSQLState());
        }
        assertEquals(String.valueOf(PostgresFixture.ORDER_COUNT), PostgresFixture.shared().queryForString("SELECT count(*) FROM orders"));
    }

    @Test
    void psqlMetaCommandsStillWork() {
        ProcessResult r = Psql.to(Gateway.target("agent-7", "analysts")).script("\\d customers\n\\dt\n\\l\n");
        r.requireSuccess();
        assertTrue(r.out().contains("card_number"), r.out());
    }
}
