package dev.pgwarden.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code match: volatile_functions: true} through the engine, on a snapshot written out by hand. */
class VolatileFunctionsRuleTest {
    static final PolicyPrincipal AGENT = new PolicyPrincipal("agent-7", Set.of("analysts"));
    static final PolicyPrincipal CLERK = new PolicyPrincipal("sam", Set.of("support"));
    static final String POLICY = """
            roles:
              - group: analysts
                role: analyst_ro
                read_only: true
              - group: support
                role: support_ro
            rules:
              - name: agents-read-only
                groups: [analysts]
                match: { statement: [insert, update, delete, ddl, call, do] }
                action: block
                message: "agents are read-only"
              - name: agents-change-nothing
                groups: [analysts]
                match: { volatile_functions: true }
                action: block
                message: "agents may not call functions that change the database"
              - name: support-may-bump
                groups: [support]
                match: { volatile_functions: true }
                action: allow
            default: allow
            """;

    static StatementAnalyzer analyzer;
    static PolicyEngine engine;
    /** nextval/setval/lo_create/pg_notify/set_config/pg_advisory_lock..., a view on nextval, an operator. */
    static VolatilityCatalog catalog;

    @BeforeAll
    static void start() throws Exception {
        analyzer = new StatementAnalyzer();
        engine = new PolicyEngine(PolicyLoader.parse(POLICY.getBytes(StandardCharsets.UTF_8), "test.yaml"), analyzer);
        catalog = VolatilityCatalogTest.builtins()
                .function(100, "pg_catalog", "setval", 'v')
                .function(101, "pg_catalog", "lo_create", 'v')
                .function(102, "pg_catalog", "lo_from_bytea", 'v')
                .function(103, "pg_catalog", "pg_notify", 'v')
                .function(104, "pg_catalog", "set_config", 'v')
                .function(105, "pg_catalog", "pg_advisory_lock", 'v')
                .function(106, "pg_catalog", "current_setting", 's')
                .function(107, "pg_catalog", "count", 'i')
                .function(108, "public", "log_visit", 'v')
                .function(109, "public", "bump", 'v')
                .function(110, "public", "refresh_stats", 'v')
                .operator("@@", 109)
                .operator("=", VolatilityCatalogTest.INT4PL)
                .relation(200, "public", "customers", new long[0], new long[0])
                .relation(201, "public", "next_ids", new long[] {VolatilityCatalogTest.NEXTVAL}, new long[] {201})
                .relation(202, "public", "all_ids", new long[0], new long[] {201})
                .build();
    }

    @AfterAll
    static void stop() {
        analyzer.close();
    }

    static DecisionContext with(VolatilitySource source) {
        return new DecisionContext(null, null, null, source);
    }

    static Decision agent(String sql) {
        return engine.decide(AGENT, sql, with(VolatilitySource.of(catalog)));
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "SELECT nextval('orders_id_seq')",
            "SELECT setval('orders_id_seq', 1)",
            "SELECT pg_catalog.lo_create(0)",
            "SELECT lo_from_bytea(0, 'x')",
            "SELECT pg_notify('jobs', 'x')",
            "SELECT set_config('app.tenant', '7', false)",
            "SELECT pg_advisory_lock(42)",
            "SELECT txid_current()",
            "SELECT log_visit(id) FROM customers WHERE id = 7",
            "SELECT * FROM customers WHERE id = (SELECT nextval('s'))",
            "WITH n AS (SELECT nextval('s') AS v) SELECT v FROM n",
            "SELECT * FROM next_ids",
            "SELECT * FROM all_ids",
            "SELECT 1 @@ 2",
            "NOTIFY jobs, 'x'",
            "SET app.tenant = '7'",
            "SET LOCAL app.tenant TO '7'",
            "SET \"app.tenant\" = '7'",
            "RESET app.tenant",
            "COPY (SELECT nextval('s')) TO STDOUT",
            "DECLARE c CURSOR FOR SELECT nextval('s')",
            "PREPARE p AS SELECT nextval('s')",
            "EXPLAIN ANALYZE SELECT nextval('s')",
            "SELECT 1; SELECT nextval('s')",
    })
    void statementsThatChangeSomethingAreRefused(String sql) {
        Decision d = agent(sql);
        assertEquals(Action.BLOCK, d.action(), sql);
        assertEquals("agents-change-nothing", d.rule(), sql);
        assertEquals("agents may not call functions that change the database", d.message());
        assertTrue(d.cause() != null && !d.cause().isBlank(), sql);
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "SELECT random(), gen_random_uuid(), now()",
            "SELECT count(*) FROM customers WHERE id = 7",
            "SELECT coalesce(name, 'x') FROM customers WHERE id = 7",
            "SELECT current_setting('app.tenant', true)",
            "SET statement_timeout = 0",
            "SHOW default_transaction_read_only",
            "SELECT 1 + 2 = 3",
            "BEGIN",
    })
    void readsAndHarmlessBuiltinsPass(String sql) {
        assertEquals(Action.ALLOW, agent(sql).action(), sql);
    }

    @Test
    void theCauseNamesWhatTheStatementTextDoesNotShow() {
        assertEquals("reading public.all_ids calls nextval(), which is volatile", agent("SELECT * FROM all_ids").cause());
        assertEquals("operator @@ calls public.bump(), which is volatile", agent("SELECT 1 @@ 2").cause());
        assertEquals("pg_notify() is volatile", agent("NOTIFY jobs").cause());
        String trace = new PolicyTester(engine.policy(), analyzer).explain("agent-7", Set.of("analysts"),
                "SELECT * FROM all_ids", with(VolatilitySource.of(catalog)));
        assertTrue(trace.contains("database role analyst_ro (read-only)"), trace);
        assertTrue(trace.contains("agents-change-nothing: MATCH: reading public.all_ids calls nextval()"), trace);
    }

    /** Counts reloads and answers them with the catalog plus what a statement named since. */
    static final class Reloading implements VolatilitySource {
        final AtomicInteger reloads = new AtomicInteger();
        final VolatilityCatalog before;
        final VolatilityCatalog after;

        Reloading(VolatilityCatalog before, VolatilityCatalog after) {
            this.before = before;
            this.after = after;
        }

        @Override
        public VolatilityCatalog current() {
            return before;
        }

        @Override
        public VolatilityCatalog reload() {
            reloads.incrementAndGet();
            return after;
        }
    }

    @Test
    void anUnknownNameIsReadAgainOnceThenDecided() {
        VolatilityCatalog withNew = VolatilityCatalogTest.builtins()
                .function(300, "public", "fresh_stable", 's')
                .function(301, "public", "fresh_volatile", 'v')
                .relation(302, "public", "fresh_view", new long[] {VolatilityCatalogTest.NEXTVAL}, new long[0])
                .build();
        Reloading source = new Reloading(VolatilityCatalogTest.builtins().build(), withNew);
        assertEquals(Action.ALLOW, engine.decide(AGENT, "SELECT fresh_stable()", with(source)).action());
        assertEquals(1, source.reloads.get());
        assertEquals(Action.BLOCK, engine.decide(AGENT, "SELECT fresh_volatile()", with(source)).action());
        assertEquals(Action.BLOCK, engine.decide(AGENT, "SELECT * FROM fresh_view", with(source)).action());
        assertEquals(3, source.reloads.get());
        // still unknown after a fresh read: a function counts as volatile (restrictive); a relation or operator
        // that does not exist is left to PostgreSQL, which refuses the statement itself
        Decision gone = engine.decide(AGENT, "SELECT no_such_function()", with(source));
        assertEquals(Action.BLOCK, gone.action());
        assertEquals("no_such_function() is not in pgwarden's catalog snapshot", gone.cause());
        assertTrue(gone.provisional(), "decided again next time: the function may be created meanwhile");
        assertFalse(engine.decide(AGENT, "SELECT fresh_volatile()", with(source)).provisional());
        assertEquals(Action.ALLOW, engine.decide(AGENT, "SELECT * FROM no_such_table", with(source)).action());
        assertEquals(Action.ALLOW, engine.decide(AGENT, "SELECT 1 ?| 2", with(source)).action());
        // a known statement does not read the catalog again
        int reloads = source.reloads.get();
        engine.decide(AGENT, "SELECT random(), now()", with(source));
        assertEquals(reloads, source.reloads.get());
    }

    @Test
    void withoutACatalogTheConditionIsReadRestrictively() {
        // block rules hold, allow rules do not: nothing unknown gets through either way
        Decision blocked = engine.decide(AGENT, "SELECT random() FROM customers", DecisionContext.NONE);
        assertEquals(Action.BLOCK, blocked.action());
        assertEquals("pgwarden has not read the catalog", blocked.cause());
        assertEquals(Action.ALLOW, engine.decide(AGENT, "SELECT 1", DecisionContext.NONE).action(),
                "a statement that names nothing calls nothing");
        VolatilitySource failing = new VolatilitySource() {
            @Override
            public VolatilityCatalog current() {
                return VolatilityCatalog.EMPTY;
            }

            @Override
            public VolatilityCatalog reload() {
                throw new IllegalStateException("upstream down");
            }
        };
        Decision d = engine.decide(AGENT, "SELECT now()", with(failing));
        assertEquals(Action.BLOCK, d.action());
        assertTrue(d.cause().contains("upstream down"), d.cause());
        // the support group's allow rule needs the condition known: it falls through to the default
        Decision support = engine.decide(CLERK, "SELECT nextval('s')", with(failing));
        assertNull(support.rule());
        assertEquals(Decision.Basis.DEFAULT, support.basis());
        assertEquals("support-may-bump",
                engine.decide(CLERK, "SELECT nextval('s')", with(VolatilitySource.of(catalog))).rule());
    }
}
