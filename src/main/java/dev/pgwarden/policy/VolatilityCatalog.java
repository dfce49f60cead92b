package dev.pgwarden.policy;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.pgwarden.sql.FunctionName;
import dev.pgwarden.sql.TableName;
import dev.pgwarden.sql.Truth;

/**
 * A snapshot of what PostgreSQL's catalog says about side effects, as far as {@code volatile_functions} needs it:
 * <ul>
 * <li>functions (every overload of a name) that may change something: marked volatile ({@code provolatile = 'v'})
 * and not {@link VolatileBuiltins harmless}, built-ins with a hidden side effect, aggregates whose transition or
 * final functions are such, and SQL functions whose body ({@code BEGIN ATOMIC}) calls one;</li>
 * <li>relations that run such a function when read: views through their definition, also through the views they
 * read, and tables through their row-level security policies (reading a materialized view runs nothing);</li>
 * <li>operator names implemented by such a function.</li>
 * </ul>
 * Built from catalog rows by {@link Builder} (the proxy reads them; this class does no I/O). Immutable and
 * thread-safe. Names the snapshot does not list come back {@link Truth#UNKNOWN}.
 */
public final class VolatilityCatalog {
    private static final String PUBLIC = TableName.DEFAULT_SCHEMA;
    private static final String UNLISTED = "a function the catalog does not list";

    /** Nothing read yet: every name is unknown. */
    public static final VolatilityCatalog EMPTY = new VolatilityCatalog(Map.of(), Map.of(), Map.of(), Set.of(),
            Set.of(), 0, false);

    /**
     * What a lookup found.
     *
     * @param changes YES: it may change something ({@code why} says what); NO; UNKNOWN: the snapshot does not list it
     * @param why     for YES and UNKNOWN, in words
     */
    public record Effect(Truth changes, String why) {
        public static final Effect NONE = new Effect(Truth.NO, null);
    }

    /** One function overload or relation of a name: its schema, and why it may change something (null: it cannot). */
    private record Entry(String schema, String why) {
    }

    private final Map<String, List<Entry>> functions;
    private final Map<String, List<Entry>> relations;
    private final Map<String, String> volatileOperators;
    private final Set<String> operatorNames;
    private final Set<String> userSchemas;
    private final long version;
    private final boolean loaded;

    private VolatilityCatalog(Map<String, List<Entry>> functions, Map<String, List<Entry>> relations,
            Map<String, String> volatileOperators, Set<String> operatorNames, Set<String> userSchemas, long version,
            boolean loaded) {
        this.functions = functions;
        this.relations = relations;
        this.volatileOperators = volatileOperators;
        this.operatorNames = operatorNames;
        this.userSchemas = userSchemas;
        this.version = version;
        this.loaded = loaded;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Identifies the catalog content it was built from: equal content, equal version. */
    public long version() {
        return version;
    }

    /** False for {@link #EMPTY}. */
    public boolean loaded() {
        return loaded;
    }

    /**
     * A called function. An unqualified name counts every overload in the schemas a session searches
     * ({@code pg_catalog}, {@code public} and schemas named after roles, for {@code "$user"}): the argument types,
     * which would pick one, are not known here, so one volatile overload makes the name volatile.
     */
    public Effect function(FunctionName f) {
        if (VolatileBuiltins.grammar(f)) {
            return Effect.NONE;
        }
        boolean any = false;
        for (Entry e : functions.getOrDefault(f.name(), List.of())) {
            if (f.schema() == null ? searched(e.schema()) : sameSchema(f.schema(), e.schema())) {
                any = true;
                if (e.why() != null) {
                    return new Effect(Truth.YES, e.why());
                }
            }
        }
        return any ? Effect.NONE : unknown(f + "() is not in pgwarden's catalog snapshot");
    }

    /**
     * A relation read or written. Unqualified names arrive as {@code public.x}; they may also resolve in
     * {@code pg_catalog}, a temporary schema or a schema named after a role, so those count too.
     */
    public Effect relation(TableName t) {
        boolean any = false;
        for (Entry e : relations.getOrDefault(t.name(), List.of())) {
            if (sameSchema(t.schema(), e.schema())
                    || (PUBLIC.equals(t.schema()) && (searched(e.schema()) || temporary(e.schema())))) {
                any = true;
                if (e.why() != null) {
                    return new Effect(Truth.YES, e.why());
                }
            }
        }
        return any ? Effect.NONE : unknown("relation " + t + " is not in pgwarden's catalog snapshot");
    }

    /** An operator name, in any schema. */
    public Effect operator(String name) {
        String why = volatileOperators.get(name);
        if (why != null) {
            return new Effect(Truth.YES, why);
        }
        return operatorNames.contains(name) ? Effect.NONE
                : unknown("operator " + name + " is not in pgwarden's catalog snapshot");
    }

    private Effect unknown(String why) {
        return new Effect(Truth.UNKNOWN, loaded ? why : "pgwarden has not read the catalog");
    }

    private boolean searched(String schema) {
        return VolatileBuiltins.CATALOG_SCHEMA.equals(schema) || PUBLIC.equals(schema) || userSchemas.contains(schema);
    }

    private static boolean sameSchema(String named, String actual) {
        return named.equals(actual) || ("pg_temp".equals(named) && temporary(actual));
    }

    private static boolean temporary(String schema) {
        return schema.startsWith("pg_temp_");
    }

    /**
     * Collects catalog rows and works out, to a fixed point, which functions, relations and operators lead to a
     * side effect. Object ids are PostgreSQL's OIDs; a reference to an id the rows do not list counts as a side
     * effect (fail closed).
     */
    public static final class Builder {
        private record Function(String schema, String name, char volatility, long[] calls) {
        }

        private record Relation(String schema, String name, long[] calls, long[] reads) {
        }

        private record Operator(String name, long function) {
        }

        private final Map<Long, Function> functions = new LinkedHashMap<>();
        private final Map<Long, Relation> relations = new LinkedHashMap<>();
        private final List<Operator> operators = new ArrayList<>();
        private final Set<String> userSchemas = new HashSet<>();
        private long version;

        private Builder() {
        }

        /**
         * @param volatility {@code pg_proc.provolatile}: 'v', 's' or 'i'
         * @param calls      functions it runs besides its own code: an aggregate's transition, final, combine,
         *                   (de)serial and moving-aggregate functions; what a SQL-standard body calls
         */
        public Builder function(long oid, String schema, String name, char volatility, long... calls) {
            functions.put(oid, new Function(schema, name, volatility, calls));
            return this;
        }

        /**
         * @param calls functions that reading it runs: a view's definition, row-level security policies
         * @param reads relations that reading it reads: a view's definition (not a materialized view's)
         */
        public Builder relation(long oid, String schema, String name, long[] calls, long[] reads) {
            relations.put(oid, new Relation(schema, name, calls, reads));
            return this;
        }

        /** An operator and the function implementing it ({@code pg_operator.oprcode}; 0 for a shell). */
        public Builder operator(String name, long function) {
            operators.add(new Operator(name, function));
            return this;
        }

        /** A schema named after a role: a session of that role searches it first ({@code "$user"}). */
        public Builder userSchema(String schema) {
            userSchemas.add(schema);
            return this;
        }

        /** Identifies the content (a hash of the rows), so equal catalogs share cached decisions. */
        public Builder version(long version) {
            this.version = version;
            return this;
        }

        public VolatilityCatalog build() {
            Map<Long, String> functionCause = functionCauses();
            Map<String, List<Entry>> byName = new HashMap<>();
            functions.forEach((oid, f) -> {
                String cause = functionCause.get(oid);
                String why = cause == null ? null : cause.equals(rootOf(f)) ? selfWhy(f) : display(f) + " calls " + cause;
                byName.computeIfAbsent(f.name(), k -> new ArrayList<>()).add(new Entry(f.schema(), why));
            });
            Map<Long, String> relationCause = relationCauses(functionCause);
            Map<String, List<Entry>> relationsByName = new HashMap<>();
            relations.forEach((oid, r) -> {
                String cause = relationCause.get(oid);
                String why = cause == null ? null : "reading " + r.schema() + "." + r.name() + " calls " + cause;
                relationsByName.computeIfAbsent(r.name(), k -> new ArrayList<>()).add(new Entry(r.schema(), why));
            });
            Map<String, String> volatileOperators = new HashMap<>();
            Set<String> operatorNames = new HashSet<>();
            for (Operator o : operators) {
                operatorNames.add(o.name());
                String cause = o.function() == 0 ? null
                        : functions.containsKey(o.function()) ? functionCause.get(o.function()) : UNLISTED;
                if (cause != null) {
                    volatileOperators.putIfAbsent(o.name(), "operator " + o.name() + " calls " + cause);
                }
            }
            return new VolatilityCatalog(freeze(byName), freeze(relationsByName), Map.copyOf(volatileOperators),
                    Set.copyOf(operatorNames), Set.copyOf(userSchemas), version, true);
        }

        /** For every function with a side effect: the root cause, e.g. "nextval(), which is volatile". */
        private Map<Long, String> functionCauses() {
            Map<Long, String> cause = new HashMap<>();
            functions.forEach((oid, f) -> {
                String root = rootOf(f);
                if (root != null) {
                    cause.put(oid, root);
                }
            });
            boolean changed = true;
            while (changed) {
                changed = false;
                for (Map.Entry<Long, Function> e : functions.entrySet()) {
                    if (cause.containsKey(e.getKey())) {
                        continue;
                    }
                    String c = calledCause(e.getValue().calls(), cause);
                    if (c != null) {
                        cause.put(e.getKey(), c);
                        changed = true;
                    }
                }
            }
            return cause;
        }

        private Map<Long, String> relationCauses(Map<Long, String> functionCause) {
            Map<Long, String> cause = new HashMap<>();
            relations.forEach((oid, r) -> {
                String c = calledCause(r.calls(), functionCause);
                if (c != null) {
                    cause.put(oid, c);
                }
            });
            boolean changed = true;
            while (changed) {
                changed = false;
                for (Map.Entry<Long, Relation> e : relations.entrySet()) {
                    if (cause.containsKey(e.getKey())) {
                        continue;
                    }
                    for (long read : e.getValue().reads()) {
                        String c = read == e.getKey() ? null : cause.get(read);
                        if (c != null) {
                            cause.put(e.getKey(), c);
                            changed = true;
                            break;
                        }
                    }
                }
            }
            return cause;
        }

        private String calledCause(long[] calls, Map<Long, String> functionCause) {
            for (long c : calls) {
                if (c == 0) {
                    continue;
                }
                if (!functions.containsKey(c)) {
                    return UNLISTED;
                }
                String cause = functionCause.get(c);
                if (cause != null) {
                    return cause;
                }
            }
            return null;
        }

        /** The function's own side effect, as a cause others can name; null when it has none of its own. */
        private static String rootOf(Function f) {
            if (VolatileBuiltins.hiddenSideEffect(f.schema(), f.name()) != null) {
                return display(f) + ", which assigns a transaction id";
            }
            if (f.volatility() == 'v' && !VolatileBuiltins.harmless(f.schema(), f.name())) {
                return display(f) + ", which is volatile";
            }
            return null;
        }

        private static String selfWhy(Function f) {
            String hidden = VolatileBuiltins.hiddenSideEffect(f.schema(), f.name());
            return hidden != null ? hidden : display(f) + " is volatile";
        }

        private static String display(Function f) {
            return (VolatileBuiltins.CATALOG_SCHEMA.equals(f.schema()) ? "" : f.schema() + ".") + f.name() + "()";
        }

        private static Map<String, List<Entry>> freeze(Map<String, List<Entry>> m) {
            Map<String, List<Entry>> out = new HashMap<>(m.size() * 2);
            m.forEach((k, v) -> out.put(k, List.copyOf(v)));
            return Map.copyOf(out);
        }
    }
}
