package dev.pgwarden.proxy;

import java.util.List;

import org.jboss.logging.Logger;

import dev.pgwarden.policy.VolatilityCatalog;
import dev.pgwarden.proxy.upstream.SideQueryClient;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;

/**
 * Which functions, views and operators have side effects, for the policy's {@code volatile_functions}: a
 * {@link VolatilityCatalog} read from {@code pg_proc}, {@code pg_aggregate}, {@code pg_rewrite}, {@code pg_policy}
 * and {@code pg_operator} on this event loop's side connection (the gateway's own login; catalogs need no role),
 * like {@link CatalogCache}. It is read at start, again when a statement names something it does not list (at
 * most every 2 s, and the statement waits), and in the background when a statement finds it older than a minute,
 * so a function redefined as volatile is seen within about a minute.
 */
public final class VolatilityCache {
    private static final Logger LOG = Logger.getLogger(VolatilityCache.class);
    private static final long RELOAD_SPACING_NANOS = 2_000_000_000L;
    private static final long REFRESH_AFTER_NANOS = 60_000_000_000L;
    /** What a node tree calls: plain calls, operators, aggregates and window functions. */
    private static final String CALLS = "':(?:funcid|opfuncid|aggfnoid|winfnoid) (\\d+)'";

    /**
     * One row per function, relation, operator and role-named schema: kind, oid, schema, name, flag, calls, reads.
     * Built-in objects have no pg_depend entries, so calls are read from the stored node trees (view definitions,
     * policy expressions, SQL-standard function bodies). Only user views count (PostgreSQL's own views only
     * report state), and only their ON SELECT rules (what reading runs); a materialized view runs nothing when read.
     * {@code prosqlbody} (PostgreSQL 14+) is read through to_jsonb, so the query also runs on older servers.
     */
    static final String QUERY = "SELECT 'f', p.oid::text, n.nspname::text, p.proname::text, p.provolatile::text,"
            + " pg_catalog.array_to_string(ARRAY("
            + "SELECT s::text FROM pg_catalog.pg_aggregate a, pg_catalog.unnest(ARRAY[a.aggtransfn, a.aggfinalfn,"
            + " a.aggcombinefn, a.aggserialfn, a.aggdeserialfn, a.aggmtransfn, a.aggminvtransfn, a.aggmfinalfn]::oid[])"
            + " s WHERE a.aggfnoid = p.oid AND s <> 0"
            + " UNION SELECT m[1] FROM pg_catalog.regexp_matches(CASE WHEN p.prolang = 14"
            + " THEN pg_catalog.to_jsonb(p) ->> 'prosqlbody' END, " + CALLS + ", 'g') m), ' '), ''"
            + " FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace"
            + " UNION ALL"
            + " SELECT 'r', c.oid::text, n.nspname::text, c.relname::text, c.relkind::text,"
            + " pg_catalog.array_to_string(ARRAY("
            + "SELECT m[1] FROM pg_catalog.pg_rewrite r, pg_catalog.regexp_matches(r.ev_action::text, " + CALLS
            + ", 'g') m WHERE r.ev_class = c.oid AND r.ev_type = '1' AND c.relkind = 'v' AND c.oid >= 16384"
            + " UNION SELECT m[1] FROM pg_catalog.pg_policy pol, pg_catalog.regexp_matches(pg_catalog.concat("
            + "pol.polqual::text, ' ', pol.polwithcheck::text), " + CALLS + ", 'g') m WHERE pol.polrelid = c.oid"
            + "), ' '),"
            + " pg_catalog.array_to_string(ARRAY("
            + "SELECT DISTINCT m[1] FROM pg_catalog.pg_rewrite r, pg_catalog.regexp_matches(r.ev_action::text,"
            + " ':relid (\\d+)', 'g') m WHERE r.ev_class = c.oid AND r.ev_type = '1' AND c.relkind = 'v'"
            + " AND c.oid >= 16384), ' ')"
            + " FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
            + " WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')"
            + " UNION ALL"
            + " SELECT 'o', o.oid::text, n.nspname::text, o.oprname::text, '', o.oprcode::oid::text, ''"
            + " FROM pg_catalog.pg_operator o JOIN pg_catalog.pg_namespace n ON n.oid = o.oprnamespace"
            + " UNION ALL"
            + " SELECT 'u', '0', n.nspname::text, '', '', '', '' FROM pg_catalog.pg_namespace n"
            + " WHERE n.nspname IN (SELECT rolname FROM pg_catalog.pg_roles)";

    private final SideQueryClient side;
    private final Context context;
    private volatile VolatilityCatalog snapshot = VolatilityCatalog.EMPTY;
    private volatile long readAtNanos = System.nanoTime() - REFRESH_AFTER_NANOS;
    private Future<VolatilityCatalog> loading; // on the context only

    /**
     * @param side    a side connection under the gateway's own login
     * @param context the event loop that owns {@code side}
     */
    public VolatilityCache(SideQueryClient side, Context context) {
        this.side = side;
        this.context = context;
    }

    /** The snapshot at hand; {@link VolatilityCatalog#EMPTY} until the first read succeeds. Any thread. */
    public VolatilityCatalog snapshot() {
        return snapshot;
    }

    /** Reads the catalog now (joining a read in progress). Any thread. */
    public Future<VolatilityCatalog> reload() {
        Promise<VolatilityCatalog> p = Promise.promise();
        context.runOnContext(v -> load().onComplete(p));
        return p.future();
    }

    /**
     * A fresh snapshot for a statement naming something the current one lacks; completes with null when a read
     * started less than 2 s ago (names unknown to a snapshot that recent stay unknown). Any thread.
     */
    public Future<VolatilityCatalog> reloadForUnknownName() {
        Promise<VolatilityCatalog> p = Promise.promise();
        context.runOnContext(v -> {
            if (loading == null && System.nanoTime() - readAtNanos < RELOAD_SPACING_NANOS) {
                p.complete(null);
            } else {
                load().onComplete(p);
            }
        });
        return p.future();
    }

    /** Starts a background read when the snapshot is older than a minute. Any thread; cheap when it is not. */
    public void refreshIfStale() {
        if (System.nanoTime() - readAtNanos >= REFRESH_AFTER_NANOS) {
            context.runOnContext(v -> {
                if (loading == null && System.nanoTime() - readAtNanos >= REFRESH_AFTER_NANOS) {
                    load();
                }
            });
        }
    }

    private Future<VolatilityCatalog> load() {
        if (loading != null) {
            return loading;
        }
        readAtNanos = System.nanoTime();
        Promise<VolatilityCatalog> done = Promise.promise();
        loading = done.future();
        side.query(QUERY).map(VolatilityCache::build).onComplete(r -> {
            loading = null;
            if (r.succeeded()) {
                if (r.result().version() != snapshot.version()) {
                    LOG.debugf("function volatility snapshot read (version %x)", r.result().version());
                }
                snapshot = r.result();
                done.complete(r.result());
            } else {
                LOG.warnf("could not read which functions are volatile: %s", r.cause().getMessage());
                done.fail(r.cause());
            }
        });
        return done.future();
    }

    /** The snapshot from {@link #QUERY}'s rows; its version is a hash of the rows, whatever their order. */
    static VolatilityCatalog build(List<List<String>> rows) {
        VolatilityCatalog.Builder b = VolatilityCatalog.builder();
        long version = 0;
        for (List<String> row : rows) {
            version += hash(row);
            String schema = row.get(2);
            String name = row.get(3);
            switch (row.get(0)) {
                case "f" -> b.function(Long.parseLong(row.get(1)), schema, name, row.get(4).charAt(0),
                        oids(row.get(5)));
                case "r" -> b.relation(Long.parseLong(row.get(1)), schema, name, oids(row.get(5)), oids(row.get(6)));
                case "o" -> b.operator(name, Long.parseLong(row.get(5)));
                case "u" -> b.userSchema(schema);
                default -> throw new IllegalStateException("unexpected catalog row kind " + row.get(0));
            }
        }
        return b.version(version).build();
    }

    private static long[] oids(String list) {
        if (list == null || list.isEmpty()) {
            return new long[0];
        }
        String[] parts = list.split(" ");
        long[] out = new long[parts.length];
        for (int i = 0; i < parts.length; i++) {
            out[i] = Long.parseLong(parts[i]);
        }
        return out;
    }

    /** FNV-1a over the row's values (with separators), so the sum over rows ignores their order. */
    private static long hash(List<String> row) {
        long h = 0xcbf29ce484222325L;
        for (String v : row) {
            String s = v == null ? "\u0000null" : v;
            for (int i = 0; i < s.length(); i++) {
                h = (h ^ s.charAt(i)) * 0x100000001b3L;
            }
            h = (h ^ 0x1f) * 0x100000001b3L;
        }
        return h;
    }
}
