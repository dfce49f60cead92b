package dev.pgwarden.proxy;

import java.util.Locale;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.jboss.logging.Logger;

import dev.pgwarden.masking.MaskPlanner;
import dev.pgwarden.proxy.upstream.SideQueryClient;
import io.vertx.core.Future;
import io.vertx.core.Promise;

/**
 * Names for the (table OID, attribute number) pairs RowDescription carries, so a column is known
 * as public.customers.ssn whatever the query called it. A snapshot of every user relation's
 * columns, reloaded when a result names a table it has not seen (a table created after the last
 * load): the result waits for the reload rather than pass unmasked. Also answers which relations
 * exist by name (views, tables) so the gateway knows when a statement needs the planner's lineage,
 * and which columns each index reads (an index scan orders rows by them).
 */
public final class CatalogCache implements MaskPlanner.ColumnResolver {
    private static final Logger LOG = Logger.getLogger(CatalogCache.class);
    /** PostgreSQL's FirstNormalObjectId: lower OIDs are built-in catalog objects. */
    private static final int FIRST_NORMAL_OID = 16384;
    static final String QUERY = "SELECT c.oid, a.attnum, n.nspname, c.relname, a.attname, c.relkind,"
            + " rn.nspname, r.relname"
            + " FROM pg_catalog.pg_attribute a"
            + " JOIN pg_catalog.pg_class c ON c.oid = a.attrelid"
            + " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
            // A partition's columns are its partitioned table's columns as far as masking rules go.
            + " JOIN pg_catalog.pg_class r ON r.oid = COALESCE(pg_catalog.pg_partition_root(c.oid), c.oid)"
            + " JOIN pg_catalog.pg_namespace rn ON rn.oid = r.relnamespace"
            + " WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'v', 'm', 'f')"
            + " ORDER BY c.oid, a.attnum";
    /**
     * Every user index and the columns it reads (keys, and the columns its expressions and predicate
     * use): an index scan returns rows in the order of those columns. Also the indexes of the planner
     * statistics' catalogs, whose sample values count as masked (MaskingRules#STATISTICS_VALUES): an
     * index not listed could order by anything, so pg_stats would be refused instead of masked.
     */
    static final String INDEX_QUERY = "SELECT n.nspname, ic.relname, t.relname, a.attname"
            + " FROM pg_catalog.pg_index x"
            + " JOIN pg_catalog.pg_class ic ON ic.oid = x.indexrelid"
            + " JOIN pg_catalog.pg_namespace n ON n.oid = ic.relnamespace"
            + " JOIN pg_catalog.pg_class t ON t.oid = x.indrelid"
            + " JOIN pg_catalog.pg_attribute a ON a.attrelid = x.indrelid AND a.attnum > 0 AND NOT a.attisdropped"
            + " AND (a.attnum = ANY (x.indkey::pg_catalog.int2[]) OR EXISTS (SELECT 1 FROM pg_catalog.pg_depend d"
            + " WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objid = x.indexrelid"
            + " AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.refobjid = x.indrelid"
            + " AND d.refobjsubid = a.attnum))"
            + " WHERE x.indexrelid >= " + FIRST_NORMAL_OID + " OR x.indrelid IN"
            + " ('pg_catalog.pg_statistic'::pg_catalog.regclass, 'pg_catalog.pg_statistic_ext_data'::pg_catalog.regclass)";

    /**
     * A relation by name: its kind ('r' table, 'v' view, 'm' materialized view, ...), its columns,
     * and the partitioned table at the root of its partition tree (itself when not a partition).
     */
    public record Relation(String schema, String name, char kind, List<String> columns, String rootSchema,
            String rootName) {
    }

    /** An index: its table (in the index's schema) and the columns it reads. */
    public record Index(String schema, String table, List<String> columns) {
    }

    private record Snapshot(Map<Long, MaskPlanner.ColumnRef> columns, Set<Integer> tables,
            Map<String, List<Relation>> relationsByName, Map<String, Index> indexes) {
    }

    private final SideQueryClient side;
    private volatile Snapshot snapshot = new Snapshot(Map.of(), Set.of(), Map.of(), Map.of());
    private volatile long version;
    private volatile long loadedAtNanos = System.nanoTime() - RELOAD_SPACING_NANOS;
    /** Names the catalog does not list (temp tables, typos) must not reload it on every statement. */
    private static final long RELOAD_SPACING_NANOS = 2_000_000_000L;
    private Future<Void> loading;

    /** @param side a side connection under the gateway's own login (catalog reads need no role) */
    private volatile CatalogWatch watch;

    public CatalogCache(SideQueryClient side) {
        this.side = side;
    }

    @Override
    public Optional<MaskPlanner.ColumnRef> resolve(int tableOid, int columnAttr) {
        return Optional.ofNullable(snapshot.columns.get(key(tableOid, columnAttr)));
    }

    /** Whether results naming this table can be planned now. */
    public boolean knows(int tableOid) {
        return tableOid == 0 || Integer.compareUnsigned(tableOid, FIRST_NORMAL_OID) < 0
                || snapshot.tables.contains(tableOid);
    }

    /** Reloads the snapshot; concurrent callers share one load. Call on the side client's event loop. */
    public Future<Void> reload() {
        if (loading != null) {
            return loading;
        }
        Promise<Void> done = Promise.promise();
        loading = done.future();
        side.query(QUERY).compose(columns -> side.query(INDEX_QUERY).map(indexes -> build(columns, indexes)))
                .onComplete(r -> {
                    loading = null;
                    if (r.failed()) {
                        LOG.warnf("catalog load failed: %s", r.cause().getMessage());
                        done.fail(r.cause());
                        return;
                    }
                    snapshot = r.result();
                    version++;
                    loadedAtNanos = System.nanoTime();
                    LOG.debugf("catalog loaded: %d relations", snapshot.tables.size());
                    done.complete();
                });
        return done.future();
    }

    /** Marks tables as seen even if the catalog does not list them, so a result cannot wait forever. */
    void acceptUnknown(Set<Integer> tableOids) {
        Snapshot s = snapshot;
        Set<Integer> tables = new HashSet<>(s.tables);
        tables.addAll(tableOids);
        snapshot = new Snapshot(s.columns, tables, s.relationsByName, s.indexes);
    }

    /** Whether a statement naming an unknown relation may reload the catalog now (at most every 2 s). */
    public boolean mayReloadForUnknownName() {
        return System.nanoTime() - loadedAtNanos >= RELOAD_SPACING_NANOS;
    }

    /** The watch that notices changes to this catalog (set once, on the loop that owns both). */
    void watchedBy(CatalogWatch watch) {
        this.watch = watch;
    }

    /** A statement suggests the catalog changed (DDL, or "permission denied"/"does not exist"): look soon. */
    public void suspectChange() {
        CatalogWatch w = watch;
        if (w != null) {
            w.checkSoon();
        }
    }

    /** Changes with every reload, so answers derived from the catalog can be cached per version. */
    public long version() {
        return version;
    }

    /** Relations of that name in any schema (names compared case-insensitively). */
    public List<Relation> relations(String name) {
        return snapshot.relationsByName.getOrDefault(name.toLowerCase(Locale.ROOT), List.of());
    }

    /** The relation schema.table, if the catalog lists it. */
    public Optional<Relation> relation(String schema, String table) {
        for (Relation r : relations(table)) {
            if (r.schema().equalsIgnoreCase(schema)) {
                return Optional.of(r);
            }
        }
        return Optional.empty();
    }


    /** The index schema.name, if the catalog lists it. */
    public Optional<Index> index(String schema, String name) {
        return Optional.ofNullable(snapshot.indexes.get(schema + '.' + name));
    }

    private static Snapshot build(List<List<String>> rows, List<List<String>> indexRows) {
        Map<String, Index> indexes = new HashMap<>();
        for (List<String> row : indexRows) {
            indexes.computeIfAbsent(row.get(0) + '.' + row.get(1), k -> new Index(row.get(0), row.get(2),
                    new ArrayList<>())).columns().add(row.get(3));
        }
        Map<Long, MaskPlanner.ColumnRef> columns = new HashMap<>(rows.size() * 2);
        Set<Integer> tables = new HashSet<>();
        Map<Integer, Relation> relations = new HashMap<>();
        for (List<String> row : rows) {
            int oid = (int) Long.parseLong(row.get(0));
            int attnum = Integer.parseInt(row.get(1));
            // Named by the root of its partition tree: a rule on events.ssn covers events_2024.ssn.
            columns.put(key(oid, attnum), new MaskPlanner.ColumnRef(row.get(6), row.get(7), row.get(4)));
            tables.add(oid);
            relations.computeIfAbsent(oid, o -> new Relation(row.get(2), row.get(3), row.get(5).charAt(0),
                    new ArrayList<>(), row.get(6), row.get(7))).columns().add(row.get(4));
        }
        Map<String, List<Relation>> byName = new HashMap<>();
        relations.values().forEach(r -> byName.computeIfAbsent(r.name().toLowerCase(Locale.ROOT),
                k -> new ArrayList<>()).add(r));
        return new Snapshot(Map.copyOf(columns), Set.copyOf(tables), Map.copyOf(byName), Map.copyOf(indexes));
    }

    private static long key(int tableOid, int attnum) {
        return ((long) tableOid << 16) ^ (attnum & 0xffff);
    }
}
