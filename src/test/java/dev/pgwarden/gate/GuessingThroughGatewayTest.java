package dev.pgwarden.gate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

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
 * Guessing: conditions, joins, ordering, grouping and error oracles on a masked column answer
 * questions about values the client cannot see. Each technique is first shown to answer straight
 * from PostgreSQL, then refused by the gateway (42501, naming the column) under the default
 * {@code masking.predicates: lookup}, over the simple protocol (values inline) and the extended
 * one (pgjdbc, server-prepared statements with bound parameters). Equality lookups still answer,
 * with the column still masked.
 */
@QuarkusTest
@QuarkusTestResource(GatewayTestResource.class)
@TestProfile(MaskingPolicyProfile.class)
class GuessingThroughGatewayTest {
    private static final String COLUMN = "public.customers.ssn";
    private static final String SIMPLE = "preferQueryMode=simple";
    private static final String EXTENDED = "prepareThreshold=1";

    /** Customer 7's SSN, and everyone's, by id. */
    private static String ssn;
    private static final Map<Integer, String> SSNS = new TreeMap<>();

    @BeforeAll
    static void rawValues() throws SQLException {
        PostgresFixture pg = PostgresFixture.shared();
        ssn = pg.queryForString("SELECT ssn FROM customers WHERE id = 7");
        pg.execute("CREATE OR REPLACE VIEW v_c AS SELECT id, ssn AS s FROM customers");
        pg.execute("GRANT SELECT ON v_c TO analyst_ro, support_ro");
        // A table of this test's own that the support group may write (other tests use items).
        pg.execute("CREATE TABLE IF NOT EXISTS guess_sink (id int, payload text)");
        pg.execute("GRANT SELECT, INSERT, UPDATE, DELETE ON guess_sink TO support_ro");
        try (Connection c = pg.superuserConnection(); var st = c.createStatement();
                var rs = st.executeQuery("SELECT id, ssn FROM customers")) {
            while (rs.next()) {
                SSNS.put(rs.getInt(1), rs.getString(2));
            }
        }
    }

    @AfterAll
    static void dropSink() {
        PostgresFixture.shared().execute("DROP TABLE IF EXISTS guess_sink");
    }

    private static String prefix() {
        return ssn.substring(0, 3);
    }

    private static String first() {
        return ssn.substring(0, 1);
    }

    /** What PostgreSQL answers, straight: checked against the raw values. */
    @FunctionalInterface
    interface Answer {
        void check(Guess guess) throws SQLException;
    }

    static Stream<Arguments> readGuesses() {
        return Stream.of(
                Arguments.of(new Guess("prefix LIKE", "SELECT id FROM customers WHERE ssn LIKE ?", prefix() + "%"),
                        contains7()),
                Arguments.of(new Guess("range", "SELECT id FROM customers WHERE ssn BETWEEN ? AND ?", ssn, ssn),
                        contains7()),
                Arguments.of(new Guess("substring(...) =", "SELECT id FROM customers WHERE substring(ssn, 1, 3) = ?",
                        prefix()), contains7()),
                Arguments.of(new Guess("ORDER BY", "SELECT id FROM customers ORDER BY ssn LIMIT 1"),
                        (Answer) g -> assertEquals(List.of(String.valueOf(rankedIds().get(0))), direct(g))),
                Arguments.of(new Guess("GROUP BY", "SELECT left(ssn, 1), count(*) FROM customers GROUP BY left(ssn, 1)"),
                        (Answer) g -> assertTrue(direct(g).contains(first()), "first digits and their counts")),
                Arguments.of(new Guess("DISTINCT", "SELECT DISTINCT left(ssn, 3) FROM customers"),
                        (Answer) g -> assertTrue(direct(g).contains(prefix()))),
                Arguments.of(new Guess("window ORDER BY", "SELECT id, rank() OVER (ORDER BY ssn) FROM customers"),
                        (Answer) g -> {
                            int rank = rankedIds().indexOf(7) + 1;
                            assertEquals(String.valueOf(rank), secondOf7(direct(g)), "customer 7's rank");
                        }),
                Arguments.of(new Guess("window PARTITION BY",
                        "SELECT id, count(*) OVER (PARTITION BY left(ssn, 1)) FROM customers"),
                        (Answer) g -> {
                            long same = SSNS.values().stream().filter(s -> s.startsWith(first())).count();
                            assertEquals(String.valueOf(same), secondOf7(direct(g)), "how many share its first digit");
                        }),
                Arguments.of(new Guess("join on the masked column",
                        "SELECT c.id FROM customers c JOIN (SELECT ? AS g UNION ALL SELECT 'none') guesses ON c.ssn = guesses.g",
                        ssn), contains7()),
                Arguments.of(new Guess("join against generate_series guesses",
                        "SELECT c.id, g FROM customers c JOIN generate_series(100, 999) g ON left(c.ssn, 3) = g::text"
                                + " WHERE c.id = 7"),
                        (Answer) g -> assertEquals(List.of("7", prefix()), direct(g))),
                Arguments.of(new Guess("CASE WHEN error oracle",
                        "SELECT CASE WHEN substr(ssn, 1, 1) = ? THEN 1 / (id - id) END FROM customers WHERE id = 7",
                        first()), fails("22012")),
                Arguments.of(new Guess("arithmetic error oracle",
                        "SELECT 1 / (ascii(ssn) - ascii(?)) FROM customers WHERE id = 7", first()), fails("22012")),
                Arguments.of(new Guess("cast error oracle", "SELECT ssn::int FROM customers WHERE id = 7"),
                        fails("22P02")),
                Arguments.of(new Guess("count(DISTINCT)", "SELECT count(DISTINCT left(ssn, 1)) FROM customers"),
                        (Answer) g -> assertEquals(List.of(String.valueOf(SSNS.values().stream()
                                .map(s -> s.substring(0, 1)).distinct().count())), direct(g))),
                Arguments.of(new Guess("through the view v_c", "SELECT id FROM v_c WHERE s LIKE ?", prefix() + "%"),
                        contains7()),
                Arguments.of(new Guess("through a CTE",
                        "WITH x AS MATERIALIZED (SELECT id, ssn FROM customers) SELECT id FROM x WHERE ssn LIKE ?",
                        prefix() + "%"), contains7()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("readGuesses")
    void guessesAreAnsweredByPostgresAndRefusedByTheGateway(Guess guess, Answer answer) throws Exception {
        answer.check(guess);
        for (String protocol : List.of(SIMPLE, EXTENDED)) {
            try (Connection c = Gateway.connect("agent-7", protocol, "analysts")) {
                SQLException e = assertThrows(SQLException.class,
                        () -> ask(guess, c, protocol),
                        guess + " answered through the gateway over " + protocol);
                assertRefusedForSsn(e);
                assertEquals(List.of("1"), Jdbc.firstColumn(c.createStatement(), "SELECT 1"), "the session goes on");
            }
        }
    }

    static Stream<Arguments> writeGuesses() {
        return Stream.of(new Guess("UPDATE ... WHERE (row count oracle)",
                "UPDATE orders SET amount = amount WHERE customer_id IN (SELECT id FROM customers WHERE ssn LIKE ?)",
                prefix() + "%"),
                new Guess("DELETE ... WHERE (row count oracle)",
                        "DELETE FROM orders WHERE customer_id IN (SELECT id FROM customers WHERE ssn LIKE ?)",
                        prefix() + "%")).map(Arguments::of);
    }

    /** The support group may write orders: the row count of a write answers the question too. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("writeGuesses")
    void writesThatGuessAreRefusedForAGroupThatMayWrite(Guess guess) throws Exception {
        try (Connection direct = PostgresFixture.shared().superuserConnection()) {
            direct.setAutoCommit(false);
            int rows = Integer.parseInt(guess.prepared(direct).get(0));
            direct.rollback();
            long expected = PostgresFixture.shared().queryForString(
                    "SELECT count(*) FROM orders o JOIN customers c ON c.id = o.customer_id WHERE c.ssn LIKE '"
                            + prefix() + "%'").transform(Long::parseLong);
            assertTrue(rows > 0, "straight from PostgreSQL the row count says how many orders match the guess");
            assertEquals(expected, rows);
        }
        for (String protocol : List.of(SIMPLE, EXTENDED)) {
            try (Connection c = Gateway.connect("agent-3", protocol, "support")) {
                SQLException e = assertThrows(SQLException.class,
                        () -> ask(guess, c, protocol));
                assertRefusedForSsn(e);
            }
        }
        assertEquals(String.valueOf(PostgresFixture.ORDER_COUNT),
                PostgresFixture.shared().queryForString("SELECT count(*) FROM orders"), "nothing was deleted");
    }

    static Stream<Arguments> statementKinds() {
        String like = "ssn LIKE '" + prefix() + "%'";
        return Stream.of(
                Arguments.of("DECLARE ... CURSOR", "DECLARE g CURSOR FOR SELECT id FROM customers WHERE " + like),
                Arguments.of("EXPLAIN ANALYZE (its row counts)", "EXPLAIN ANALYZE SELECT id FROM customers WHERE " + like),
                Arguments.of("PREPARE", "PREPARE g AS SELECT id FROM customers WHERE ssn LIKE $1"),
                Arguments.of("CREATE TABLE AS", "CREATE TEMP TABLE g AS SELECT id FROM customers WHERE " + like),
                Arguments.of("SELECT INTO", "SELECT id INTO TEMP g FROM customers WHERE " + like),
                Arguments.of("INSERT ... SELECT", "INSERT INTO guess_sink SELECT id, 'x' FROM customers WHERE " + like),
                Arguments.of("MERGE", "MERGE INTO guess_sink i USING (SELECT id FROM customers WHERE " + like
                        + ") s ON i.id = s.id WHEN NOT MATCHED THEN INSERT VALUES (s.id, 'x')"),
                Arguments.of("INSERT of the masked value itself", "INSERT INTO guess_sink SELECT id, ssn FROM customers"),
                Arguments.of("CREATE TABLE AS of the masked value itself",
                        "CREATE TEMP TABLE g AS SELECT id, ssn FROM customers"),
                Arguments.of("SELECT INTO of the masked value itself", "SELECT id, ssn INTO TEMP g FROM customers"));
    }

    /**
     * Every statement that reads a masked column through a plan is checked, not only SELECT; writing
     * the value into a table would make it readable unmasked there. Straight from PostgreSQL each runs
     * (in a transaction rolled back); through the gateway each is refused for the support group,
     * which may write the sink table.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("statementKinds")
    void everyStatementThatReadsAMaskedColumnIsChecked(String kind, String sql) throws Exception {
        try (Connection direct = PostgresFixture.shared().superuserConnection()) {
            direct.setAutoCommit(false);
            direct.createStatement().execute(sql);
            direct.rollback();
        }
        try (Connection c = Gateway.connect("agent-3", SIMPLE + "&socketTimeout=60", "support")) {
            c.setAutoCommit(false);
            SQLException e = assertThrows(SQLException.class, () -> c.createStatement().execute(sql), kind);
            assertEquals("42501", e.getSQLState(), e.getMessage());
            assertTrue(e.getMessage().contains(COLUMN), e.getMessage());
            c.rollback();
        }
        assertEquals("0", PostgresFixture.shared().queryForString("SELECT count(*) FROM guess_sink"), "nothing written");
    }

    @Test
    void copyOfAGuessIsRefused() {
        String copy = "COPY (SELECT id FROM customers WHERE ssn LIKE '" + prefix() + "%') TO STDOUT";
        ProcessResult direct = Psql.to(PostgresFixture.shared().superuserTarget()).command(copy);
        assertTrue(direct.out().lines().anyMatch("7"::equals), "straight from PostgreSQL: " + direct.out());
        ProcessResult r = Psql.to(Gateway.target("agent-3", "support")).command(copy);
        assertFalse(r.succeeded());
        assertTrue(r.stderr().contains(COLUMN) && r.stderr().contains("LIKE"), r.describe());
    }

    /** An approval rule (no-bulk-export holds analysts' CREATE TABLE AS) never asks anyone about a refused guess. */
    @Test
    void aGuessIsRefusedBeforeAnApproverIsAsked() throws Exception {
        String sql = "CREATE TEMP TABLE g AS SELECT id FROM customers WHERE ssn LIKE '" + prefix() + "%'";
        try (Connection c = Gateway.connect("agent-7", SIMPLE + "&socketTimeout=60", "analysts")) {
            SQLException e = assertThrows(SQLException.class, () -> c.createStatement().execute(sql));
            assertEquals("42501", e.getSQLState(), e.getMessage());
            assertTrue(e.getMessage().contains(COLUMN), e.getMessage());
            assertEquals(null, c.getWarnings(), "no approval was requested (its notice would be a warning)");
        }
    }

    /** A lookup by a value the client already knows still works, and the column stays masked. */
    @Test
    void equalityLookupsStillAnswerWithTheColumnMasked() throws Exception {
        List<Guess> lookups = List.of(
                new Guess("=", "SELECT id, ssn FROM customers WHERE ssn = ?", ssn),
                new Guess("IN", "SELECT id, ssn FROM customers WHERE ssn IN (?, ?)", ssn, "000-00-0000"),
                new Guess("IS NOT NULL", "SELECT id, ssn FROM customers WHERE ssn IS NOT NULL AND id = 7"),
                // PostgreSQL 15 prints the InitPlans' outputs as $0 and $1, like the client's first parameter
                new Guess("= with InitPlans", "SELECT id, ssn FROM customers WHERE ssn = ?"
                        + " AND id = (SELECT max(id) FROM customers WHERE id <= 7)", ssn));
        for (Guess lookup : lookups) {
            try (Connection direct = PostgresFixture.shared().superuserConnection()) {
                assertEquals(List.of("7", ssn), lookup.prepared(direct), "straight from PostgreSQL");
            }
            for (String protocol : List.of(SIMPLE, EXTENDED)) {
                try (Connection c = Gateway.connect("agent-3", protocol, "support")) {
                    List<String> got = ask(lookup, c, protocol);
                    assertEquals("7", got.get(0), lookup + " over " + protocol);
                    assertNotEquals(ssn, got.get(1), "the SSN is still masked");
                    assertFalse(got.get(1).contains(ssn.substring(7)), got.get(1));
                }
            }
        }
    }

    /** An index on a masked column orders rows without a sort: the catalog's index list finds it. */
    @Test
    void orderThroughAnIndexOnAMaskedColumnIsRefused() throws Exception {
        PostgresFixture pg = PostgresFixture.shared();
        pg.execute("DROP TABLE IF EXISTS guess_cards");
        pg.execute("CREATE TABLE guess_cards (id int PRIMARY KEY, card_number text)"); // "*.card_number" masks it
        pg.execute("INSERT INTO guess_cards SELECT g, lpad((g * 7919 % 20000)::text, 16, '4') FROM generate_series(1, 20000) g");
        pg.execute("CREATE INDEX guess_cards_number ON guess_cards (card_number)");
        pg.execute("ANALYZE guess_cards");
        pg.execute("GRANT SELECT ON guess_cards TO analyst_ro");
        String sql = "SELECT id FROM guess_cards ORDER BY card_number LIMIT 1";
        try (Connection direct = pg.superuserConnection()) {
            assertEquals(List.of(pg.queryForString("SELECT id FROM guess_cards WHERE card_number = "
                    + "(SELECT min(card_number) FROM guess_cards)")), Jdbc.firstColumn(direct.createStatement(), sql),
                    "straight from PostgreSQL: who has the smallest card number");
            String plan = String.join("\n", Jdbc.firstColumn(direct.createStatement(), "EXPLAIN " + sql));
            assertTrue(plan.contains("Index Scan using guess_cards_number") && !plan.contains("Sort"),
                    "the order comes from the index, no sort key to see: " + plan);
        }
        try (Connection c = Gateway.connect("agent-7", SIMPLE, "analysts")) {
            SQLException e = assertThrows(SQLException.class, () -> new Guess("ORDER BY through an index", sql).simple(c));
            assertEquals("42501", e.getSQLState(), e.getMessage());
            assertTrue(e.getMessage().contains("public.guess_cards.card_number")
                    && e.getMessage().contains("index guess_cards_number"), e.getMessage());
            List<String> lookup = Jdbc.firstColumn(c.createStatement(),
                    "SELECT id FROM guess_cards WHERE card_number = '0000000000000001'");
            assertTrue(lookup.isEmpty() || lookup.size() == 1, "an equality lookup through the same index answers");
        } finally {
            pg.execute("DROP TABLE IF EXISTS guess_cards");
        }
    }

    /**
     * The gateway judges a statement by the plan its side connection makes with the default settings. A
     * session that turned hash joins and nested loops off would run a self-join on the SSN as a merge join,
     * which sorts both sides by it: the ids come back in SSN order, a ranking nobody asked for by ORDER BY.
     */
    @Test
    void planningSettingsThatWouldRunAnotherPlanAreRefused() throws Exception {
        String join = "SELECT a.id FROM customers a JOIN customers b ON a.ssn = b.ssn";
        List<String> bySsn = new ArrayList<>();
        SSNS.entrySet().stream().sorted(Map.Entry.comparingByValue()).forEach(e -> bySsn.add(e.getKey().toString()));
        try (Connection direct = PostgresFixture.shared().superuserConnection(); Statement st = direct.createStatement()) {
            st.execute("SET enable_hashjoin = off");
            st.execute("SET enable_nestloop = off");
            assertEquals(bySsn, Jdbc.firstColumn(st, join), "straight from PostgreSQL: the ids in SSN order");
        }
        for (String set : new String[] { "SET enable_hashjoin = off", "SET LOCAL enable_nestloop = off",
                "SET work_mem = '64kB'", "SELECT set_config('enable_hashjoin', 'off', false)" }) {
            try (Connection c = Gateway.connect("agent-7", SIMPLE, "analysts"); Statement st = c.createStatement()) {
                SQLException e = assertThrows(SQLException.class, () -> st.execute(set), set);
                assertEquals("42501", e.getSQLState(), set + ": " + e.getMessage());
                assertTrue(e.getMessage().contains("plans PostgreSQL picks"), e.getMessage());
                assertFalse(bySsn.equals(Jdbc.firstColumn(st, join)), "the join still runs, in its own order");
            }
        }
    }

    // ------------------------------------------------------------------ helpers

    private static void assertRefusedForSsn(SQLException e) {
        assertEquals("42501", e.getSQLState(), e.getMessage());
        assertTrue(e.getMessage().contains(COLUMN), e.getMessage());
        assertTrue(e.getMessage().contains("masking.predicates: lookup"), e.getMessage());
    }

    private static List<String> ask(Guess g, Connection c, String protocol) throws SQLException {
        return protocol.equals(SIMPLE) ? g.simple(c) : g.prepared(c);
    }

    private static List<String> direct(Guess g) throws SQLException {
        try (Connection c = PostgresFixture.shared().superuserConnection()) {
            return g.prepared(c);
        }
    }

    /** In (id, value) pairs, customer 7's value. */
    private static String secondOf7(List<String> pairs) {
        for (int i = 0; i + 1 < pairs.size(); i += 2) {
            if (pairs.get(i).equals("7")) {
                return pairs.get(i + 1);
            }
        }
        throw new AssertionError("customer 7 is not in " + pairs);
    }

    private static Answer contains7() {
        return g -> assertTrue(direct(g).contains("7"), "customer 7 is among the answers");
    }

    private static Answer fails(String sqlState) {
        return g -> {
            SQLException e = assertThrows(SQLException.class, () -> direct(g), "the right guess raises an error");
            assertEquals(sqlState, e.getSQLState(), e.getMessage());
        };
    }

    private static List<Integer> rankedIds() {
        List<Integer> ids = new ArrayList<>(SSNS.keySet());
        ids.sort(Comparator.comparing(SSNS::get));
        return ids;
    }
}
