package dev.pgwarden.lineage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import dev.pgwarden.testing.PostgresFixture;

/**
 * Classifies real {@code EXPLAIN (VERBOSE, FORMAT JSON)} plans of PostgreSQL 15: every way of asking
 * a question about a masked value is found, equality lookups against client values are counted, and
 * the forms that only carry a masked value into the (masked) result are left alone.
 */
class ValueUseAnalyzerTest {

    private static final String SETUP = """
            DROP SCHEMA IF EXISTS guess_t CASCADE;
            CREATE SCHEMA guess_t;
            CREATE VIEW guess_t.v_c AS SELECT id, ssn AS s FROM public.customers;
            CREATE TABLE guess_t.patients (id int PRIMARY KEY, name text, ssn text, note text);
            CREATE INDEX patients_ssn ON guess_t.patients (ssn);
            CREATE INDEX patients_lower_note ON guess_t.patients (lower(note));
            INSERT INTO guess_t.patients SELECT g, 'p' || g, lpad(g::text, 9, '0'), 'n' || g FROM generate_series(1, 5000) g;
            ANALYZE guess_t.patients;
            """;
    private static final Set<String> MASKED = Set.of("public.customers.ssn", "public.customers.card_number",
            "public.customers.email", "guess_t.patients.ssn", "guess_t.patients.note");

    private static PostgresFixture pg;
    private static Connection conn;
    private static final Map<String, Set<BaseColumn>> INDEXES = new HashMap<>();

    @BeforeAll
    static void setUp() throws SQLException {
        pg = PostgresFixture.shared();
        pg.execute(SETUP);
        conn = pg.superuserConnection();
        try (Statement s = conn.createStatement(); ResultSet rs = s.executeQuery("""
                SELECT n.nspname, ic.relname, tn.nspname, t.relname, a.attname
                FROM pg_index x JOIN pg_class ic ON ic.oid = x.indexrelid JOIN pg_namespace n ON n.oid = ic.relnamespace
                JOIN pg_class t ON t.oid = x.indrelid JOIN pg_namespace tn ON tn.oid = t.relnamespace
                JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum > 0 AND (a.attnum = ANY (x.indkey::int2[])
                  OR EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = x.indexrelid AND d.refobjid = x.indrelid
                             AND d.refobjsubid = a.attnum))
                WHERE n.nspname IN ('public', 'guess_t')""")) {
            while (rs.next()) {
                INDEXES.computeIfAbsent(rs.getString(1) + "." + rs.getString(2), k -> new HashSet<>())
                        .add(BaseColumn.of(rs.getString(3), rs.getString(4), rs.getString(5)));
            }
        }
    }

    @AfterAll
    static void tearDown() throws SQLException {
        if (conn != null) {
            conn.close();
        }
        if (pg != null) {
            pg.execute("DROP SCHEMA IF EXISTS guess_t CASCADE");
        }
    }

    /** Each asks a question about a masked value; the first use found that is not a lookup says which. */
    @ParameterizedTest
    @CsvSource(delimiterString = " ~> ", quoteCharacter = '"', value = {
            "SELECT name FROM customers WHERE ssn LIKE '1%'                          ~> with LIKE",
            "SELECT name FROM customers WHERE ssn ILIKE '1%'                         ~> with ILIKE",
            "SELECT name FROM customers WHERE ssn ~ '^1'                             ~> regular expression",
            "SELECT name FROM customers WHERE ssn SIMILAR TO '1%'                    ~> regular expression",
            "SELECT name FROM customers WHERE ssn > '5'                              ~> with >",
            "SELECT name FROM customers WHERE ssn BETWEEN '1' AND '2'                ~> with >=",
            "SELECT name FROM customers WHERE ssn <> '123-45-6789'                   ~> with <>",
            "SELECT name FROM customers WHERE ssn NOT IN ('a', 'b')                  ~> with <> ALL",
            "SELECT name FROM customers WHERE substring(ssn, 1, 3) = '123'           ~> computed from masked column public.customers.ssn with =",
            "SELECT name FROM customers WHERE left(ssn, 1) = '1'                     ~> computed from masked column",
            "SELECT name FROM customers WHERE starts_with(ssn, '1')                  ~> to starts_with()",
            "SELECT name FROM customers WHERE strpos(ssn, '1') = 1                   ~> to strpos()",
            "SELECT name FROM customers WHERE position('1' in ssn) = 1               ~> POSITION",
            "SELECT name FROM customers WHERE length(ssn) = 11                       ~> to length()",
            "SELECT name FROM customers ORDER BY ssn                                 ~> orders by masked column public.customers.ssn",
            "SELECT name FROM customers ORDER BY upper(ssn) DESC                     ~> orders by",
            "SELECT ssn, count(*) FROM customers GROUP BY ssn                        ~> groups by masked column public.customers.ssn",
            "SELECT DISTINCT ssn FROM customers                                      ~> groups by",
            "SELECT DISTINCT ON (ssn) name FROM customers                            ~> orders by",
            "SELECT name, row_number() OVER (ORDER BY ssn) FROM customers            ~> orders by",
            "SELECT name, rank() OVER (PARTITION BY ssn ORDER BY id) FROM customers  ~> orders by",
            "SELECT a.name FROM customers a JOIN customers b ON a.ssn = b.email      ~> against something other than a literal",
            "SELECT c.name FROM customers c JOIN orders o ON c.ssn = o.id::text      ~> against something other than a literal",
            "SELECT c.name FROM customers c JOIN generate_series(100, 999) g ON c.ssn LIKE g::text || '%' ~> with LIKE",
            "SELECT c.name FROM customers c JOIN (SELECT generate_series(100, 999)::text || '-01-0001' AS s) g ON c.ssn = g.s ~> against something other than a literal",
            "SELECT CASE WHEN substr(ssn, 1, 1) = '1' THEN 1 / (id - id) END FROM customers ~> computed from masked column",
            "SELECT CASE WHEN ssn > '5' THEN 1 END FROM customers                    ~> with >",
            "SELECT 1 / (ascii(ssn) - 49) FROM customers                             ~> to ascii()",
            "SELECT ssn::int FROM customers                                          ~> casts masked column public.customers.ssn to integer",
            "SELECT name FROM customers WHERE ssn::int > 5                           ~> casts masked column",
            "SELECT to_date(ssn, 'YYYY') FROM customers                              ~> to to_date()",
            "SELECT ssn::json FROM customers                                         ~> to json",
            "SELECT id + ssn::numeric FROM customers                                 ~> casts",
            "SELECT count(DISTINCT ssn) FROM customers                               ~> aggregates DISTINCT values of masked column public.customers.ssn",
            "SELECT min(ssn) FROM customers                                          ~> to min()",
            "SELECT count(ssn) FILTER (WHERE ssn > '5') FROM customers               ~> with >",
            "SELECT count(*) FILTER (WHERE ssn LIKE '1%') FROM customers             ~> with LIKE",
            "SELECT string_agg(name, ',' ORDER BY ssn) FROM customers                ~> orders an aggregate",
            "SELECT id FROM v_c WHERE s LIKE '1%'                                    ~> with LIKE",
            "SELECT id FROM v_c ORDER BY s                                           ~> orders by",
            "WITH x AS (SELECT id, ssn FROM customers) SELECT id FROM x WHERE ssn > '5' ~> with >",
            "WITH x AS MATERIALIZED (SELECT ssn FROM customers) SELECT count(*) FROM x WHERE ssn LIKE '1%' ~> with LIKE",
            "SELECT * FROM (SELECT ssn, name FROM customers LIMIT 50) x WHERE x.ssn LIKE '1%' ~> with LIKE",
            "SELECT name FROM customers WHERE ssn = (SELECT name FROM customers WHERE id = 1) ~> against something other than a literal",
            "SELECT name FROM customers WHERE ssn IN (SELECT g::text FROM generate_series(1, 3) g) ~> against something other than a literal",
            "SELECT name FROM customers WHERE ssn IN (SELECT g::text FROM generate_series(1, 3) g) OR id = 1 ~> PostgreSQL's plan does not show",
            "SELECT ssn > ALL (SELECT name FROM customers) FROM customers            ~> PostgreSQL's plan does not show",
            "SELECT ssn FROM customers INTERSECT SELECT '123-45-6789'                ~> with INTERSECT",
            "SELECT ssn FROM customers EXCEPT SELECT '123-45-6789'                   ~> with EXCEPT",
            "SELECT ssn FROM customers UNION SELECT name FROM customers              ~> groups by",
            "SELECT name FROM customers WHERE (ssn = 'a') IS TRUE OR ssn < 'b'       ~> with <",
            "SELECT name FROM customers WHERE NULLIF(ssn, 'x') IS NULL               ~> with NULLIF",
            "SELECT greatest(ssn, '5') FROM customers                                ~> with GREATEST",
            "SELECT name FROM customers WHERE to_jsonb(customers) ->> 'ssn' LIKE '1%' ~> ->>",
            "SELECT name FROM customers WHERE ssn::varchar(3) = '123'                ~> computed from masked column",
            "SELECT regexp_replace(ssn, '(', '') FROM customers                      ~> to regexp_replace()",
            "SELECT substring(ssn FROM '^1') FROM customers                          ~> could be a pattern",
            "SELECT name FROM guess_t.patients ORDER BY ssn LIMIT 3                  ~> through index patients_ssn",
            "SELECT min(ssn) FROM guess_t.patients                                   ~> through index patients_ssn",
            "SELECT name FROM guess_t.patients ORDER BY lower(note) LIMIT 3          ~> through index patients_lower_note",
            "SELECT name FROM guess_t.patients WHERE ssn > '000004000' ORDER BY ssn LIMIT 2 ~> with >",
            "UPDATE orders SET amount = 1 WHERE customer_id IN (SELECT id FROM customers WHERE ssn LIKE '1%') ~> with LIKE",
            "DELETE FROM orders o USING customers c WHERE o.customer_id = c.id AND c.ssn > '5' ~> with >",
            "INSERT INTO items SELECT id, ssn FROM customers                          ~> writes masked column public.customers.ssn into table public.items",
            "INSERT INTO items SELECT id, 'x' FROM customers WHERE ssn LIKE '1%'      ~> with LIKE",
            "UPDATE items SET payload = (SELECT ssn FROM customers WHERE id = 1)      ~> writes masked column public.customers.ssn into table public.items",
            "MERGE INTO items i USING customers c ON i.payload = c.ssn WHEN MATCHED THEN DELETE ~> against something other than a literal",
            "WITH RECURSIVE r(x) AS (SELECT ssn FROM customers UNION SELECT x FROM r) SELECT count(*) FROM r ~> recursive",
            "SELECT name FROM customers WHERE ssn = name                             ~> against something other than a literal",
            "SELECT name FROM customers WHERE (ssn || '') = '123-45-6789'            ~> computed from masked column",
    })
    void questionsAboutMaskedValuesAreFound(String sql, String expected) throws SQLException {
        ValueUses uses = analyze(sql, 0);
        Optional<ValueUse> use = uses.firstBeyondLookups();
        assertTrue(use.isPresent(), "nothing found in " + sql + ": " + uses);
        assertTrue(use.get().action().contains(expected.strip()), sql + " -> " + use.get().action());
    }

    /** Lookups by equality against client values, and forms that only carry the value into the result. */
    @ParameterizedTest
    @CsvSource(delimiterString = " ~> ", quoteCharacter = '"', value = {
            "SELECT name FROM customers WHERE ssn = '123-45-6789'                    ~> 1",
            "SELECT name FROM customers WHERE ssn IN ('a', 'b', 'c')                 ~> 3",
            "SELECT name FROM customers WHERE ssn = ANY (string_to_array('a,b', ',')) ~> 2",
            "SELECT name FROM customers WHERE ssn = 'a' OR ssn = 'b'                 ~> 2",
            "SELECT name FROM customers WHERE ssn = 'a' AND email = 'b@c'            ~> 2",
            "SELECT name FROM customers WHERE ssn IS NULL OR ssn IS NOT NULL         ~> 0",
            "SELECT name FROM customers WHERE ssn::text = 'a'                        ~> 1",
            "SELECT id FROM v_c WHERE s = 'a'                                        ~> 1",
            "WITH x AS MATERIALIZED (SELECT id, ssn FROM customers) SELECT id FROM x WHERE ssn = 'a' ~> 1",
            "SELECT * FROM (SELECT ssn, name FROM customers LIMIT 50) x WHERE x.ssn = 'a' ~> 1",
            "SELECT CASE WHEN ssn = 'a' THEN 1 ELSE 0 END FROM customers             ~> 1",
            "SELECT CASE ssn WHEN 'a' THEN 1 WHEN 'b' THEN 2 END FROM customers      ~> 2",
            "SELECT count(*) FILTER (WHERE ssn = 'a') FROM customers                 ~> 1",
            "SELECT name FROM guess_t.patients WHERE ssn = '000000042'               ~> 1",
            "SELECT name FROM guess_t.patients WHERE ssn IN ('000000042', '000000043') ~> 2",
            "SELECT count(*) FROM guess_t.patients                                   ~> 0",
            "SELECT ssn FROM customers                                               ~> 0",
            "SELECT upper(ssn), lower(ssn), 'x' || ssn, ssn::varchar(20), left(ssn, 3), right(ssn, 4) FROM customers ~> 0",
            "SELECT substring(ssn, 8), substring(ssn FROM 2 FOR 3), replace(ssn, '-', ''), trim(both '1' from ssn), lpad(ssn, 20, '*') FROM customers ~> 0",
            "SELECT row_to_json(c), to_jsonb(c), c, json_build_object('s', c.ssn) FROM customers c ~> 0",
            "SELECT json_agg(c), string_agg(ssn, ','), array_agg(ssn), jsonb_agg(ssn) FROM customers c ~> 0",
            "SELECT coalesce(ssn, 'none'), ARRAY[ssn, email], ROW(ssn, id), xmlelement(name x, ssn) FROM customers ~> 0",
            "SELECT CASE WHEN id > 3 THEN ssn ELSE email END FROM customers          ~> 0",
            "SELECT s FROM v_c WHERE id = 7                                          ~> 0",
            "SELECT x FROM (SELECT ssn AS x FROM customers WHERE id = 7) s           ~> 0",
            "SELECT name FROM customers WHERE id = 1 UNION ALL SELECT ssn FROM customers WHERE id = 7 ~> 0",
            "WITH x AS (SELECT s FROM v_c) SELECT right(s, 4) FROM x, customers c WHERE c.id = 7 AND x.s = c.ssn ~> 0",
            "SELECT (SELECT right(s, 4) FROM v_c WHERE v_c.id = c.id) FROM customers c WHERE c.id = 7 ~> 0",
            "SELECT c.name, o.amount FROM customers c JOIN orders o ON o.customer_id = c.id WHERE c.ssn = 'a' ~> 1",
            "UPDATE orders SET amount = 1 WHERE customer_id IN (SELECT id FROM customers WHERE ssn = 'x') ~> 1",
            "INSERT INTO items SELECT id, name FROM customers WHERE ssn = 'x'        ~> 1",
            "SELECT name FROM customers ORDER BY id                                  ~> 0",
    })
    void lookupsAreCountedAndCarriedValuesLeftAlone(String sql, int lookups) throws SQLException {
        ValueUses uses = analyze(sql, 0);
        assertEquals(Optional.empty(), uses.firstBeyondLookups(), sql);
        assertEquals(lookups, uses.equalityLookups(), sql + ": " + uses);
    }

    @Test
    void clientParametersAreLookupValuesAndInitPlanOutputsAreNot() throws SQLException {
        assertEquals(1, generic("SELECT name FROM customers WHERE ssn = $1", 1).equalityLookups());
        assertEquals(2, generic("SELECT name FROM customers WHERE ssn IN ($1, $2)", 2).equalityLookups());
        assertTrue(generic("SELECT name FROM customers WHERE ssn LIKE $1", 1).firstBeyondLookups().isPresent());
        assertTrue(generic("SELECT name FROM customers WHERE ssn = ANY ($1)", 1).firstBeyondLookups().isPresent(),
                "an array parameter's size is not known before Bind");
        // PostgreSQL 15 prints the InitPlan's output as $1 too: it is not the client's value.
        ValueUses initPlan = generic("SELECT name FROM customers WHERE ssn = (SELECT max(id) FROM customers)::text"
                + " AND email = $1", 1);
        assertTrue(initPlan.all().stream().anyMatch(u -> u.kind() == ValueUse.Kind.OTHER
                && u.action().contains("customers.ssn with =")), initPlan.toString());
        assertTrue(generic("SELECT substring(ssn, $1) FROM customers", 1).firstBeyondLookups().isPresent(),
                "a parameter may be a pattern");
        assertEquals(Optional.empty(), generic("SELECT substr(ssn, $1), left(ssn, $1) FROM customers", 1)
                .firstBeyondLookups(), "substr and left take positions only");
    }

    /** The gateway plans with the client's $n renumbered past any InitPlan's: then nothing is ambiguous. */
    @Test
    void shiftedClientParametersAreToldApartFromInitPlanOutputs() throws SQLException {
        String sql = "SELECT name FROM customers WHERE id = (SELECT max(id) FROM customers) AND ssn = $%d";
        ValueUses ambiguous = generic(String.format(sql, 1), 0, 1);
        assertTrue(ambiguous.firstBeyondLookups().isPresent(), "$1 is also an InitPlan's output: " + ambiguous);
        ValueUses shifted = generic(String.format(sql, 101), 100, 1);
        assertEquals(Optional.empty(), shifted.firstBeyondLookups(), shifted.toString());
        assertEquals(1, shifted.equalityLookups());
    }

    @Test
    void aSubqueryComparisonIsOnlyAssumedWhenTheTextHasOne() throws SQLException {
        String sql = "SELECT name FROM customers WHERE id NOT IN (SELECT customer_id FROM orders)";
        assertTrue(analyze(sql, 0, true).firstBeyondLookups().isPresent(), "PostgreSQL 15 hides the comparison");
    }

    @Test
    void parallelPlansAreReadLikeSerialOnes() throws SQLException {
        try (Statement s = conn.createStatement()) {
            s.execute("SET parallel_setup_cost = 0");
            s.execute("SET parallel_tuple_cost = 0");
            s.execute("SET min_parallel_table_scan_size = 0");
            try {
                assertEquals(1, analyze("SELECT count(*) FROM customers WHERE ssn = 'a'", 0).equalityLookups());
                assertTrue(analyze("SELECT count(*) FROM customers WHERE ssn > 'a'", 0).firstBeyondLookups()
                        .isPresent());
                assertTrue(analyze("SELECT count(ssn) FROM customers", 0).firstBeyondLookups().orElseThrow().action()
                        .contains("to count()"));
            } finally {
                s.execute("RESET ALL");
            }
        }
    }

    @Test
    void createTableAsWritesTheResult() throws SQLException {
        ValueUses uses = analyze("SELECT ssn FROM customers", new StatementShape(0, 0, true, false));
        assertTrue(uses.firstBeyondLookups().orElseThrow().action().contains("into a new table"), uses.toString());
    }

    @ParameterizedTest
    @ValueSource(strings = { "{a,b,c}", "{\"a,b\",c,NULL}", "{{a,b},{c,d}}", "[1:2]={x,y}" })
    void arrayLiteralsAreCountedByElement(String literal) {
        int expected = switch (literal) {
            case "{a,b,c}", "{\"a,b\",c,NULL}" -> 3;
            default -> literal.startsWith("[") ? 2 : 4;
        };
        assertEquals(expected, ArrayLiteral.elements(literal).size(), literal);
    }

    // ------------------------------------------------------------------ helpers

    private static ValueUses analyze(String sql, int params) throws SQLException {
        return analyze(sql, params, sql.matches("(?is).*\\b(in|any|all|some|exists)\\s*\\(\\s*select\\b.*"));
    }

    private static ValueUses analyze(String sql, int params, boolean subqueries) throws SQLException {
        return analyze(sql, new StatementShape(0, params, false, subqueries));
    }

    private static ValueUses analyze(String sql, StatementShape shape) throws SQLException {
        try (Statement s = conn.createStatement()) {
            s.execute("SET search_path = public, guess_t");
            try (ResultSet rs = s.executeQuery(ExplainQuery.forStatement(sql))) {
                assertTrue(rs.next());
                return PlanLineage.analyze(rs.getString(1), MASKS, shape).uses();
            } finally {
                s.execute("RESET search_path");
            }
        }
    }

    private static ValueUses generic(String sql, int params) throws SQLException {
        return generic(sql, 0, params);
    }

    /** As the gateway plans a statement from Parse; {@code offset} unused int4 parameters come first. */
    private static ValueUses generic(String sql, int offset, int params) throws SQLException {
        try (Statement s = conn.createStatement()) {
            s.execute("DEALLOCATE ALL");
            s.execute("SET plan_cache_mode = force_generic_plan");
            s.execute("PREPARE q" + (offset == 0 ? "" : "(" + String.join(", ", java.util.Collections.nCopies(offset,
                    "int4")) + ")") + " AS " + sql);
            try (ResultSet rs = s.executeQuery("EXPLAIN (VERBOSE, FORMAT JSON) EXECUTE q("
                    + String.join(", ", java.util.Collections.nCopies(offset + params, "NULL")) + ")")) {
                assertTrue(rs.next());
                return PlanLineage.analyze(rs.getString(1), MASKS,
                        new StatementShape(offset, params, false, false)).uses();
            } finally {
                s.execute("DEALLOCATE ALL");
                s.execute("RESET plan_cache_mode");
            }
        }
    }

    private static final MaskedColumns MASKS = new MaskedColumns() {
        @Override
        public boolean masked(BaseColumn c) {
            return MASKED.contains(c.toString());
        }

        @Override
        public Set<BaseColumn> maskedOf(BaseTable t) {
            Set<BaseColumn> out = new TreeSet<>();
            for (String m : MASKED) {
                if (m.startsWith(t + ".")) {
                    out.add(BaseColumn.of(t.schema(), t.table(), m.substring(t.toString().length() + 1)));
                }
            }
            return out;
        }

        @Override
        public Set<BaseColumn> indexColumns(String schema, String index) {
            return INDEXES.get(schema + "." + index);
        }
    };
}
