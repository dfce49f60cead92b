package dev.pgwarden.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import dev.pgwarden.policy.VolatilityCatalog.Effect;
import dev.pgwarden.sql.FunctionName;
import dev.pgwarden.sql.TableName;
import dev.pgwarden.sql.Truth;

/** The snapshot's rules on catalog rows as the proxy hands them over (no database: the rows are written out). */
class VolatilityCatalogTest {
    static final long NEXTVAL = 1574;
    static final long RANDOM = 1598;
    static final long NOW = 1299;
    static final long TXID_CURRENT = 2943;
    static final long INT4PL = 177;
    static final long NONE = 0;

    /** A few of PostgreSQL's own functions, as pg_proc lists them. */
    static VolatilityCatalog.Builder builtins() {
        return VolatilityCatalog.builder()
                .function(NEXTVAL, "pg_catalog", "nextval", 'v')
                .function(RANDOM, "pg_catalog", "random", 'v')
                .function(NOW, "pg_catalog", "now", 's')
                .function(TXID_CURRENT, "pg_catalog", "txid_current", 's')
                .function(INT4PL, "pg_catalog", "int4pl", 'i')
                .function(3, "pg_catalog", "pg_sleep", 'v')
                .function(4, "pg_catalog", "setseed", 'v')
                .function(5, "pg_catalog", "gen_random_uuid", 'v')
                .operator("+", INT4PL)
                .operator("*", 6)
                .function(6, "pg_catalog", "int4mul", 'i')
                .relation(11, "pg_catalog", "pg_class", new long[0], new long[0]);
    }

    static Effect fn(VolatilityCatalog c, String schema, String name) {
        return c.function(new FunctionName(schema, name));
    }

    @Test
    void volatileFunctionsChangeSomethingExceptTheHarmlessBuiltins() {
        VolatilityCatalog c = builtins().build();
        assertEquals(new Effect(Truth.YES, "nextval() is volatile"), fn(c, null, "nextval"));
        assertEquals(Truth.YES, fn(c, "pg_catalog", "nextval").changes());
        assertEquals(Effect.NONE, fn(c, null, "random"));
        assertEquals(Effect.NONE, fn(c, null, "gen_random_uuid"));
        assertEquals(Effect.NONE, fn(c, null, "now"));
        // decided against: setseed changes later random() values; pg_sleep is a timing channel
        assertEquals(Truth.YES, fn(c, null, "setseed").changes());
        assertEquals(Truth.YES, fn(c, null, "pg_sleep").changes());
        // marked stable, but assigns a transaction id
        assertEquals(new Effect(Truth.YES, "txid_current() assigns a transaction id"), fn(c, null, "txid_current"));
        // grammar, not a catalog function
        assertEquals(Effect.NONE, fn(c, null, "coalesce"));
    }

    @Test
    void theAllowListIsForPostgresOwnFunctionsOnly() {
        VolatilityCatalog c = builtins().function(20, "public", "random", 'v').build();
        assertEquals(new Effect(Truth.YES, "public.random() is volatile"), fn(c, null, "random"),
                "an unqualified call may reach public.random()");
        assertEquals(Effect.NONE, fn(c, "pg_catalog", "random"));
    }

    @Test
    void anyVolatileOverloadMakesTheNameVolatile() {
        VolatilityCatalog c = builtins()
                .function(20, "public", "touch", 's')
                .function(21, "public", "touch", 'v')
                .build();
        assertEquals(Truth.YES, fn(c, null, "touch").changes());
        assertEquals(Truth.YES, fn(c, "public", "touch").changes());
    }

    @Test
    void unqualifiedNamesResolveWhereASessionSearches() {
        VolatilityCatalog c = builtins()
                .function(20, "app", "bump", 'v')
                .function(21, "analyst_ro", "mine", 'v')
                .userSchema("analyst_ro")
                .build();
        assertEquals(Truth.UNKNOWN, fn(c, null, "bump").changes(), "app is not on the search path");
        assertEquals(Truth.YES, fn(c, "app", "bump").changes());
        assertEquals(Truth.YES, fn(c, null, "mine").changes(), "\"$user\" is searched");
        assertEquals(Truth.UNKNOWN, fn(c, "app", "nextval").changes());
        assertEquals(new Effect(Truth.UNKNOWN, "nothere() is not in pgwarden's catalog snapshot"),
                fn(c, null, "nothere"));
    }

    @Test
    void functionsThatRunVolatileFunctionsAreVolatile() {
        VolatilityCatalog c = builtins()
                .function(30, "public", "sum_next", 'v') // an aggregate's transition function
                .function(31, "public", "total", 'i', 30) // the aggregate: pg_proc says immutable
                .function(32, "public", "inner_next", 's', NEXTVAL) // BEGIN ATOMIC body calls nextval
                .function(33, "public", "outer_next", 'i', 32)
                .function(34, "public", "loop_a", 's', 35) // a cycle, one of them volatile
                .function(35, "public", "loop_b", 's', 34, NEXTVAL)
                .function(36, "public", "plus", 'i', INT4PL)
                .function(37, "public", "orphan", 'i', 999_999) // calls something the rows do not list
                .build();
        assertEquals(new Effect(Truth.YES, "public.total() calls public.sum_next(), which is volatile"),
                fn(c, null, "total"));
        assertEquals(new Effect(Truth.YES, "public.outer_next() calls nextval(), which is volatile"),
                fn(c, null, "outer_next"));
        assertEquals(Truth.YES, fn(c, null, "loop_a").changes());
        assertEquals(Truth.YES, fn(c, null, "loop_b").changes());
        assertEquals(Effect.NONE, fn(c, null, "plus"));
        assertEquals(new Effect(Truth.YES, "public.orphan() calls a function the catalog does not list"),
                fn(c, null, "orphan"));
    }

    @Test
    void viewsAndPoliciesThatCallVolatileFunctionsMakeReadingThemVolatile() {
        VolatilityCatalog c = builtins()
                .relation(40, "public", "next_ids", new long[] {NEXTVAL, INT4PL}, new long[] {40})
                .relation(41, "public", "next_ids_too", new long[0], new long[] {41, 40})
                .relation(42, "public", "samples", new long[] {RANDOM, NOW}, new long[] {42})
                .relation(43, "public", "frozen", new long[0], new long[0]) // a materialized view: runs nothing
                .function(44, "public", "audit_read", 'v')
                .relation(45, "public", "watched", new long[] {44}, new long[0]) // row-level security policy
                .relation(46, "pg_temp_3", "scratch", new long[] {NEXTVAL}, new long[0])
                .build();
        assertEquals(new Effect(Truth.YES, "reading public.next_ids calls nextval(), which is volatile"),
                c.relation(new TableName("public", "next_ids")));
        assertEquals(new Effect(Truth.YES, "reading public.next_ids_too calls nextval(), which is volatile"),
                c.relation(new TableName("public", "next_ids_too")));
        assertEquals(Effect.NONE, c.relation(new TableName("public", "samples")));
        assertEquals(Effect.NONE, c.relation(new TableName("public", "frozen")));
        assertEquals(Truth.YES, c.relation(new TableName("public", "watched")).changes());
        assertEquals(Truth.YES, c.relation(new TableName("public", "scratch")).changes(),
                "an unqualified name may be a temporary relation");
        assertEquals(Truth.YES, c.relation(new TableName("pg_temp", "scratch")).changes());
        assertEquals(Effect.NONE, c.relation(new TableName("public", "pg_class")), "pg_catalog is searched");
        assertEquals(Truth.UNKNOWN, c.relation(new TableName("public", "nothere")).changes());
    }

    @Test
    void operatorsAreAsVolatileAsTheirFunction() {
        VolatilityCatalog c = builtins()
                .function(50, "public", "bump", 'v')
                .operator("@@", 50)
                .operator("@@", INT4PL) // the same name for other types, harmless
                .operator("~~~", NONE) // a shell operator
                .build();
        assertEquals(new Effect(Truth.YES, "operator @@ calls public.bump(), which is volatile"), c.operator("@@"));
        assertEquals(Effect.NONE, c.operator("+"));
        assertEquals(Effect.NONE, c.operator("~~~"));
        assertEquals(Truth.UNKNOWN, c.operator("<~>").changes());
    }

    @Test
    void nothingReadYetMeansEveryNameIsUnknown() {
        VolatilityCatalog c = VolatilityCatalog.EMPTY;
        assertFalse(c.loaded());
        assertEquals(new Effect(Truth.UNKNOWN, "pgwarden has not read the catalog"), fn(c, null, "random"));
        assertEquals(Truth.UNKNOWN, c.relation(new TableName("public", "t")).changes());
        assertEquals(Truth.UNKNOWN, c.operator("+").changes());
        assertTrue(builtins().build().loaded());
    }
}
