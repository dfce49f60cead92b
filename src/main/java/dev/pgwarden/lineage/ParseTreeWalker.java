package dev.pgwarden.lineage;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import net.sf.jsqlparser.expression.AllValue;
import net.sf.jsqlparser.expression.AnalyticExpression;
import net.sf.jsqlparser.expression.Expression;
import net.sf.jsqlparser.expression.Function;
import net.sf.jsqlparser.expression.LongValue;
import net.sf.jsqlparser.expression.NullValue;
import net.sf.jsqlparser.expression.Parenthesis;
import net.sf.jsqlparser.expression.operators.relational.ParenthesedExpressionList;
import net.sf.jsqlparser.parser.Node;
import net.sf.jsqlparser.schema.Column;
import net.sf.jsqlparser.schema.Table;
import net.sf.jsqlparser.statement.ReturningClause;
import net.sf.jsqlparser.statement.Statement;
import net.sf.jsqlparser.statement.delete.Delete;
import net.sf.jsqlparser.statement.delete.ParenthesedDelete;
import net.sf.jsqlparser.statement.insert.Insert;
import net.sf.jsqlparser.statement.insert.ParenthesedInsert;
import net.sf.jsqlparser.statement.merge.Merge;
import net.sf.jsqlparser.statement.select.AllColumns;
import net.sf.jsqlparser.statement.select.AllTableColumns;
import net.sf.jsqlparser.statement.select.Fetch;
import net.sf.jsqlparser.statement.select.FromItem;
import net.sf.jsqlparser.statement.select.Join;
import net.sf.jsqlparser.statement.select.Limit;
import net.sf.jsqlparser.statement.select.ParenthesedFromItem;
import net.sf.jsqlparser.statement.select.ParenthesedSelect;
import net.sf.jsqlparser.statement.select.PlainSelect;
import net.sf.jsqlparser.statement.select.Select;
import net.sf.jsqlparser.statement.select.SelectItem;
import net.sf.jsqlparser.statement.select.SetOperationList;
import net.sf.jsqlparser.statement.select.TableFunction;
import net.sf.jsqlparser.statement.select.TableStatement;
import net.sf.jsqlparser.statement.select.Values;
import net.sf.jsqlparser.statement.select.WithItem;
import net.sf.jsqlparser.statement.update.ParenthesedUpdate;
import net.sf.jsqlparser.statement.update.Update;
import net.sf.jsqlparser.statement.update.UpdateSet;

import dev.pgwarden.sql.ColumnRef;
import dev.pgwarden.sql.FunctionName;
import dev.pgwarden.sql.Sets;
import dev.pgwarden.sql.SqlLexer;
import dev.pgwarden.sql.StatementKind;
import dev.pgwarden.sql.TableName;
import dev.pgwarden.sql.Truth;

/**
 * Walks a JSqlParser tree and collects what a query touches: tables (through aliases, with CTE names kept apart
 * from tables), columns (attributed to their table through aliases and scopes; unqualified columns to every
 * table in scope, so rules err towards applying), functions, and which result columns are computed.
 *
 * <p>The clauses that define scope (WITH, FROM, JOIN, select list, RETURNING, DML targets) are walked by hand;
 * everything else is walked generically over the tree's fields, so an expression form this class does not know
 * still has its columns, functions and subqueries found. One walker per query; not thread-safe.
 */
public final class ParseTreeWalker {
    private static final Set<String> SKIP_PLAIN_SELECT = Set.of("selectItems", "fromItem", "joins", "withItemsList");
    private static final Set<String> SKIP_SELECT = Set.of("withItemsList", "selects", "select", "table");
    private static final Set<String> SKIP_JOIN = Set.of("fromItem");
    private static final Set<String> SKIP_TABLE = Set.of("partItems", "alias");
    private static final Set<String> SKIP_FUNCTION = Set.of("parameters", "nameparts", "function");
    private static final Set<String> SKIP_DML = Set.of("table", "withItemsList", "select", "columns",
            "returningClause", "fromItem", "joins", "startJoins", "updateSets", "usingList");
    private static final Set<String> SKIP_NONE = Set.of();

    private static final ClassValue<Field[]> FIELDS = new ClassValue<>() {
        @Override
        protected Field[] computeValue(Class<?> type) {
            List<Field> fields = new ArrayList<>();
            for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) {
                for (Field f : c.getDeclaredFields()) {
                    if (!Modifier.isStatic(f.getModifiers()) && !f.isSynthetic()
                            && !Node.class.isAssignableFrom(f.getType())) {
                        f.setAccessible(true);
                        fields.add(f);
                    }
                }
            }
            return fields.toArray(new Field[0]);
        }
    };

    private final Set<TableName> tables = new LinkedHashSet<>();
    private final Set<ColumnRef> columns = new LinkedHashSet<>();
    private final Set<ColumnRef> derived = new LinkedHashSet<>();
    private final Set<FunctionName> functions = new LinkedHashSet<>();
    private final Set<StatementKind> kinds = EnumSet.noneOf(StatementKind.class);
    private final Set<Object> visited = Collections.newSetFromMap(new IdentityHashMap<>());

    private Scope scope = new Scope(null);
    /** Inside a computed result expression: columns met here reach the result only through a computation. */
    private boolean derivedMode;
    /** Whether the result columns of the query being walked lose their lineage (UNION branches, subqueries). */
    private boolean outputsDerived;
    /** Collects the lineage of the select list being walked; null outside a select list. */
    private Set<ColumnRef> sink;
    private int anonymous;

    /** A FROM item or DML target: a base table, or something derived (subquery, CTE, function) and its lineage. */
    private record Source(TableName table, Set<ColumnRef> lineage) {
        boolean isTable() {
            return table != null;
        }
    }

    private static final class Scope {
        final Scope parent;
        final Map<String, Source> sources = new LinkedHashMap<>();
        final Map<String, Set<ColumnRef>> ctes = new HashMap<>();

        Scope(Scope parent) {
            this.parent = parent;
        }
    }

    private ParseTreeWalker() {
    }

    /** Walks a parsed query (SELECT, INSERT, UPDATE, DELETE, MERGE). */
    public static ParserLineage walk(Statement statement) {
        ParseTreeWalker w = new ParseTreeWalker();
        Truth whereMissing;
        Truth limitMissing = Truth.NO;
        long rowLimit = -1;
        StatementKind top = StatementKind.SELECT;
        if (statement instanceof Select s) {
            w.select(s, false);
            whereMissing = Truth.of(whereMissing(s));
            long limit = limitOf(s);
            limitMissing = Truth.of(hasFrom(s) && limit == NO_LIMIT);
            rowLimit = limit >= 0 ? limit : -1;
        } else if (statement instanceof Insert i) {
            top = StatementKind.INSERT;
            w.insert(i);
            whereMissing = Truth.NO;
        } else if (statement instanceof Update u) {
            top = StatementKind.UPDATE;
            w.update(u);
            whereMissing = Truth.of(u.getWhere() == null);
        } else if (statement instanceof Delete d) {
            top = StatementKind.DELETE;
            w.delete(d);
            whereMissing = Truth.of(d.getWhere() == null);
        } else if (statement instanceof Merge m) {
            top = StatementKind.MERGE;
            w.merge(m);
            whereMissing = Truth.NO;
        } else {
            throw new IllegalArgumentException("unexpected statement type " + statement.getClass().getSimpleName());
        }
        return new ParserLineage(top, Sets.ordered(w.tables), Sets.ordered(w.columns), Sets.ordered(w.derived),
                Sets.ordered(w.functions), Sets.ordered(w.kinds), whereMissing, limitMissing, rowLimit);
    }

    // ---- top-level flags -------------------------------------------------------------------------------

    private static final long NO_LIMIT = -2;
    private static final long UNKNOWN_LIMIT = -1;

    /** The row count a query's own LIMIT / FETCH allows: a number, UNKNOWN_LIMIT ($1), or NO_LIMIT. */
    private static long limitOf(Select s) {
        long limit = NO_LIMIT;
        Limit l = s.getLimit();
        if (l != null && l.getRowCount() != null) {
            Expression rc = l.getRowCount();
            if (rc instanceof LongValue v) {
                limit = v.getValue();
            } else if (!(rc instanceof AllValue || rc instanceof NullValue)) {
                limit = UNKNOWN_LIMIT;
            }
        }
        Fetch f = s.getFetch();
        if (f != null) {
            long fetch = f.getExpression() == null ? 1
                    : f.getExpression() instanceof LongValue v ? v.getValue() : UNKNOWN_LIMIT;
            limit = limit == NO_LIMIT ? fetch : limit >= 0 && fetch >= 0 ? Math.min(limit, fetch) : UNKNOWN_LIMIT;
        }
        if (limit == NO_LIMIT && s instanceof ParenthesedSelect p && p.getSelect() != null) {
            return limitOf(p.getSelect());
        }
        return limit;
    }

    private static boolean hasFrom(Select s) {
        if (s instanceof PlainSelect p) {
            return p.getFromItem() != null;
        }
        if (s instanceof SetOperationList l) {
            return l.getSelects().stream().anyMatch(ParseTreeWalker::hasFrom);
        }
        if (s instanceof ParenthesedSelect p) {
            return p.getSelect() != null && hasFrom(p.getSelect());
        }
        return s instanceof TableStatement;
    }

    /** A top-level query (any UNION branch) that reads a FROM clause without WHERE. */
    private static boolean whereMissing(Select s) {
        if (s instanceof PlainSelect p) {
            return p.getFromItem() != null && p.getWhere() == null;
        }
        if (s instanceof SetOperationList l) {
            return l.getSelects().stream().anyMatch(ParseTreeWalker::whereMissing);
        }
        if (s instanceof ParenthesedSelect p) {
            return p.getSelect() != null && whereMissing(p.getSelect());
        }
        return s instanceof TableStatement;
    }

    // ---- queries ---------------------------------------------------------------------------------------

    /** Walks a query in a new scope and returns the lineage of its result columns. */
    private Set<ColumnRef> select(Select s, boolean derivedOutputs) {
        if (s instanceof PlainSelect p) {
            return plainSelect(p, derivedOutputs);
        }
        Scope savedScope = scope;
        boolean savedMode = derivedMode;
        Set<ColumnRef> savedSink = sink;
        scope = new Scope(savedScope);
        derivedMode = false;
        sink = null;
        try {
            withItems(s.getWithItemsList(), derivedOutputs);
            Set<ColumnRef> out = new LinkedHashSet<>();
            if (s instanceof SetOperationList l) {
                // PostgreSQL reports no table column for a set operation's result
                for (Select branch : l.getSelects()) {
                    out.addAll(select(branch, true));
                }
            } else if (s instanceof ParenthesedSelect p) {
                if (p.getSelect() != null) {
                    out.addAll(select(p.getSelect(), derivedOutputs));
                }
            } else if (s instanceof TableStatement ts) {
                // TABLE t is SELECT * FROM t
                Source source = fromTable(ts.getTable(), null);
                derivedMode = derivedOutputs;
                sink = out;
                emit(source, null);
            } else if (s instanceof Values) {
                derivedMode = true;
                sink = out;
                fields(s, SKIP_SELECT);
                return out;
            }
            fields(s, SKIP_SELECT);
            return out;
        } finally {
            scope = savedScope;
            derivedMode = savedMode;
            sink = savedSink;
        }
    }

    private Set<ColumnRef> plainSelect(PlainSelect p, boolean derivedOutputs) {
        Scope savedScope = scope;
        boolean savedMode = derivedMode;
        boolean savedOutputs = outputsDerived;
        Set<ColumnRef> savedSink = sink;
        scope = new Scope(savedScope);
        derivedMode = false;
        outputsDerived = derivedOutputs;
        sink = null;
        try {
            withItems(p.getWithItemsList(), derivedOutputs);
            fromItem(p.getFromItem());
            joins(p.getJoins());
            Set<ColumnRef> out = new LinkedHashSet<>();
            if (p.getSelectItems() != null) {
                for (SelectItem<?> item : p.getSelectItems()) {
                    resultItem(item, out);
                }
            }
            fields(p, SKIP_PLAIN_SELECT);
            return out;
        } finally {
            scope = savedScope;
            derivedMode = savedMode;
            outputsDerived = savedOutputs;
            sink = savedSink;
        }
    }

    /** A select-list or RETURNING item: a bare column keeps its lineage, anything else computes from it. */
    private void resultItem(SelectItem<?> item, Set<ColumnRef> out) {
        Object e = item.getExpression();
        while (e instanceof Parenthesis || (e instanceof ParenthesedExpressionList<?> l && l.size() == 1)) {
            e = e instanceof Parenthesis p ? p.getExpression() : ((ParenthesedExpressionList<?>) e).get(0);
        }
        boolean computed = !(e instanceof Column || e instanceof AllColumns);
        derivedMode = outputsDerived || computed;
        sink = out;
        try {
            walk(item.getExpression());
        } finally {
            derivedMode = false;
            sink = null;
        }
    }

    private void withItems(List<WithItem<?>> items, boolean derivedOutputs) {
        if (items == null || items.isEmpty()) {
            return;
        }
        boolean recursive = items.stream().anyMatch(WithItem::isRecursive);
        if (recursive) {
            // WITH RECURSIVE: every name is visible in every body, itself included
            for (WithItem<?> item : items) {
                scope.ctes.put(ident(item.getAliasName()), new LinkedHashSet<>());
            }
        }
        for (WithItem<?> item : items) {
            Set<ColumnRef> out = cteBody(item.getParenthesedStatement(), derivedOutputs);
            String name = ident(item.getAliasName());
            if (recursive) {
                scope.ctes.get(name).addAll(out);
            } else {
                // visible only to later items and the main statement, so a body may read a same-named table
                scope.ctes.put(name, out);
            }
        }
    }

    private Set<ColumnRef> cteBody(Object body, boolean derivedOutputs) {
        boolean savedMode = derivedMode;
        Set<ColumnRef> savedSink = sink;
        derivedMode = false;
        sink = null;
        try {
            if (body instanceof ParenthesedSelect p) {
                return select(p, derivedOutputs);
            }
            if (body instanceof ParenthesedInsert p) {
                return insert(p.getInsert());
            }
            if (body instanceof ParenthesedUpdate p) {
                return update(p.getUpdate());
            }
            if (body instanceof ParenthesedDelete p) {
                return delete(p.getDelete());
            }
            walk(body);
            return Set.of();
        } finally {
            derivedMode = savedMode;
            sink = savedSink;
        }
    }

    private void fromItem(FromItem item) {
        if (item == null) {
            return;
        }
        String alias = item.getAlias() == null ? null : ident(item.getAlias().getName());
        if (item instanceof Table t) {
            fromTable(t, alias);
        } else if (item instanceof ParenthesedSelect p) {
            register(alias, new Source(null, select(p, outputsDerived)));
        } else if (item instanceof ParenthesedFromItem p) {
            Set<String> before = new LinkedHashSet<>(scope.sources.keySet());
            fromItem(p.getFromItem());
            joins(p.getJoins());
            if (alias != null) {
                Set<ColumnRef> lineage = new LinkedHashSet<>();
                scope.sources.forEach((k, s) -> {
                    if (!before.contains(k)) {
                        lineage.addAll(s.lineage());
                    }
                });
                register(alias, new Source(null, lineage));
            }
            fields(p, Set.of("fromItem", "joins", "alias"));
        } else if (item instanceof TableFunction f) {
            walk(f.getFunction());
            fields(f, SKIP_FUNCTION);
            register(alias, new Source(null, Set.of()));
        } else if (item instanceof Values v) {
            register(alias, new Source(null, select(v, outputsDerived)));
        } else {
            walk(item);
            register(alias, new Source(null, Set.of()));
        }
    }

    private void joins(List<Join> joins) {
        if (joins == null) {
            return;
        }
        for (Join j : joins) {
            fromItem(j.getFromItem());
        }
        // conditions after all items are in scope (USING and ON may name any of them)
        for (Join j : joins) {
            fields(j, SKIP_JOIN);
        }
    }

    /** A table named in FROM: a CTE if an unqualified name matches one in scope. */
    private Source fromTable(Table t, String alias) {
        return fromTable(t, alias, true);
    }

    /** {@code mayBeCte} is false for DML targets: INSERT/UPDATE/DELETE/MERGE always name a table. */
    private Source fromTable(Table t, String alias, boolean mayBeCte) {
        Set<ColumnRef> cte = mayBeCte && t.getSchemaName() == null ? cte(ident(t.getName())) : null;
        Source source;
        if (cte != null) {
            source = new Source(null, cte);
        } else {
            TableName name = tableName(t);
            tables.add(name);
            source = new Source(name, Set.of(ColumnRef.allOf(name)));
        }
        register(alias != null ? alias : ident(t.getName()), source);
        fields(t, SKIP_TABLE);
        return source;
    }

    private void register(String alias, Source source) {
        scope.sources.put(alias != null ? alias : "#" + anonymous++, source);
    }

    private Set<ColumnRef> cte(String name) {
        for (Scope s = scope; s != null; s = s.parent) {
            Set<ColumnRef> cte = s.ctes.get(name);
            if (cte != null) {
                return cte;
            }
        }
        return null;
    }

    // ---- data-changing statements ----------------------------------------------------------------------

    private Set<ColumnRef> insert(Insert ins) {
        kinds.add(StatementKind.INSERT);
        return dml(ins, ins.getWithItemsList(), ins.getTable(), () -> {
            if (ins.getSelect() != null) {
                // the source query runs before the target is in scope
                Scope target = scope;
                scope = new Scope(target.parent);
                scope.ctes.putAll(target.ctes);
                try {
                    select(ins.getSelect(), false);
                } finally {
                    scope = target;
                }
            }
            Source target = scope.sources.values().iterator().next();
            scope.sources.put("excluded", target); // ON CONFLICT ... excluded.col names the target's columns
            if (ins.getColumns() != null && !ins.getColumns().isEmpty()) {
                for (Column c : ins.getColumns()) {
                    emit(target, ident(c.getColumnName()));
                }
            } else {
                emit(target, null); // no column list: every column is written
            }
        }, ins.getReturningClause());
    }

    private Set<ColumnRef> update(Update u) {
        kinds.add(StatementKind.UPDATE);
        return dml(u, u.getWithItemsList(), u.getTable(), () -> {
            joins(u.getStartJoins());
            fromItem(u.getFromItem());
            joins(u.getJoins());
            if (u.getUpdateSets() != null) {
                for (UpdateSet set : u.getUpdateSets()) {
                    walk(set);
                }
            }
        }, u.getReturningClause());
    }

    private Set<ColumnRef> delete(Delete d) {
        kinds.add(StatementKind.DELETE);
        return dml(d, d.getWithItemsList(), d.getTable(), () -> {
            if (d.getUsingList() != null) {
                for (Table t : d.getUsingList()) {
                    fromItem(t);
                }
            }
            joins(d.getJoins());
        }, d.getReturningClause());
    }

    private Set<ColumnRef> merge(Merge m) {
        kinds.add(StatementKind.MERGE);
        return dml(m, m.getWithItemsList(), m.getTable(), () -> fromItem(m.getFromItem()), null);
    }

    /** Scope for a DML statement: CTEs, the target, then its own FROM-like clauses, the rest, RETURNING. */
    private Set<ColumnRef> dml(Object statement, List<WithItem<?>> with, Table target, Runnable clauses,
            ReturningClause returning) {
        Scope savedScope = scope;
        boolean savedOutputs = outputsDerived;
        scope = new Scope(savedScope);
        outputsDerived = false;
        try {
            withItems(with, false);
            if (target != null) {
                String alias = target.getAlias() == null ? null : ident(target.getAlias().getName());
                fromTable(target, alias, false);
            }
            clauses.run();
            fields(statement, SKIP_DML);
            Set<ColumnRef> out = new LinkedHashSet<>();
            if (returning != null) {
                for (SelectItem<?> item : returning) {
                    resultItem(item, out);
                }
            }
            return out;
        } finally {
            scope = savedScope;
            outputsDerived = savedOutputs;
        }
    }

    // ---- expressions -----------------------------------------------------------------------------------

    /** Walks any tree node: known forms by hand, anything else through its fields. */
    private void walk(Object node) {
        if (node == null || node instanceof String || node instanceof Number || node instanceof Boolean
                || node instanceof Character || node instanceof Enum<?> || node instanceof Node) {
            return;
        }
        if (node instanceof Collection<?> c) {
            for (Object o : c) {
                walk(o);
            }
        } else if (node instanceof Object[] array) {
            for (Object o : array) {
                walk(o);
            }
        } else if (node instanceof Map<?, ?> m) {
            walk(m.values());
        } else if (node instanceof Column c) {
            column(c);
        } else if (node instanceof AllTableColumns a) {
            tableStar(a);
        } else if (node instanceof AllColumns) {
            star();
        } else if (node instanceof TableFunction f) {
            fromItem(f);
        } else if (node instanceof Function f) {
            function(f);
        } else if (node instanceof AnalyticExpression a) {
            functions.add(functionName(List.of(a.getName().split("\\."))));
            if (!(a.getExpression() instanceof AllColumns) || a.getExpression() instanceof AllTableColumns) {
                walk(a.getExpression()); // count(*) OVER (...): the star is not "all columns"
            }
            fields(a, Set.of("name", "expression"));
        } else if (node instanceof Select s) {
            // a subquery: correlated with the current scope; computed if we are
            Set<ColumnRef> out = select(s, derivedMode);
            lineage(out);
        } else if (node instanceof Insert i) {
            insert(i instanceof ParenthesedInsert p ? p.getInsert() : i);
        } else if (node instanceof Update u) {
            update(u instanceof ParenthesedUpdate p ? p.getUpdate() : u);
        } else if (node instanceof Delete d) {
            delete(d instanceof ParenthesedDelete p ? p.getDelete() : d);
        } else if (node instanceof Table t) {
            tableReference(t);
        } else if (node.getClass().getName().startsWith("net.sf.jsqlparser.")) {
            fields(node, SKIP_NONE);
        }
    }

    /** Walks the fields of a node except those its caller handled. */
    private void fields(Object node, Set<String> skip) {
        if (!visited.add(node)) {
            return;
        }
        for (Field f : FIELDS.get(node.getClass())) {
            if (skip.contains(f.getName())) {
                continue;
            }
            try {
                walk(f.get(node));
            } catch (IllegalAccessException e) {
                throw new IllegalStateException("cannot read " + f, e);
            }
        }
    }

    private void function(Function f) {
        if (f.getMultipartName() != null && !f.getMultipartName().isEmpty()) {
            functions.add(functionName(f.getMultipartName()));
        }
        if (f.getParameters() != null) {
            for (Object p : f.getParameters()) {
                // count(*) and agg(*) take no argument: the star is not "all columns"
                if (!(p instanceof AllColumns) || p instanceof AllTableColumns) {
                    walk(p);
                }
            }
        }
        fields(f, SKIP_FUNCTION);
    }

    private void column(Column c) {
        String name = ident(c.getColumnName());
        Table qualifier = c.getTable();
        if (qualifier != null && qualifier.getName() != null) {
            Source source = qualified(qualifier);
            if (source != null) {
                emit(source, name);
                return;
            }
            if (qualifier.getSchemaName() != null) {
                // a.b.c is schema.table.column, or else alias.column.field (a composite column)
                Source alias = byName(ident(qualifier.getSchemaName()));
                if (alias != null) {
                    emit(alias, ident(qualifier.getName()));
                } else {
                    emitColumn(new ColumnRef(tableName(qualifier), name));
                }
                return;
            }
            // an unknown qualifier (a composite field, a record): attribute like an unqualified name
        }
        Source whole = byName(name);
        if (whole != null) {
            // a whole-row reference (to_jsonb(c)): all columns, and computed
            boolean savedMode = derivedMode;
            derivedMode = true;
            emit(whole, null);
            derivedMode = savedMode;
        }
        unqualified(name);
    }

    /** An unqualified column: attributed to every table visible from here, nearest scope first. */
    private void unqualified(String name) {
        for (Scope s = scope; s != null; s = s.parent) {
            for (Source source : s.sources.values()) {
                emit(source, name);
            }
        }
    }

    private void star() {
        for (Source source : scope.sources.values()) {
            if (source.isTable()) {
                emitColumn(ColumnRef.allOf(source.table()));
            } else {
                lineage(source.lineage());
            }
        }
    }

    private void tableStar(AllTableColumns a) {
        Source source = qualified(a.getTable());
        if (source != null) {
            emit(source, null);
        } else if (a.getTable() != null && a.getTable().getName() != null) {
            emitColumn(ColumnRef.allOf(tableName(a.getTable())));
        }
    }

    /** A table outside FROM (FOR UPDATE OF t, INTO t): an alias in scope, a CTE, or a table. */
    private void tableReference(Table t) {
        if (t.getName() == null) {
            return;
        }
        if (t.getSchemaName() == null && (byName(ident(t.getName())) != null || cte(ident(t.getName())) != null)) {
            return;
        }
        tables.add(tableName(t));
    }

    /** The source a qualifier names: an alias / table name, or a schema-qualified table in scope. */
    private Source qualified(Table qualifier) {
        if (qualifier == null || qualifier.getName() == null) {
            return null;
        }
        if (qualifier.getSchemaName() == null) {
            return byName(ident(qualifier.getName()));
        }
        TableName wanted = tableName(qualifier);
        for (Scope s = scope; s != null; s = s.parent) {
            for (Source source : s.sources.values()) {
                if (wanted.equals(source.table())) {
                    return source;
                }
            }
        }
        return null;
    }

    private Source byName(String name) {
        for (Scope s = scope; s != null; s = s.parent) {
            Source source = s.sources.get(name);
            if (source != null) {
                return source;
            }
        }
        return null;
    }

    /** A column of a source; {@code column == null} means all its columns. */
    private void emit(Source source, String column) {
        if (source.isTable()) {
            emitColumn(new ColumnRef(source.table(), column));
        } else {
            lineage(source.lineage());
        }
    }

    private void emitColumn(ColumnRef ref) {
        columns.add(ref);
        if (derivedMode) {
            derived.add(ref);
        }
        if (sink != null) {
            sink.add(ref);
        }
    }

    /** Columns reached through a derived source (subquery, CTE): already counted as read; maybe computed. */
    private void lineage(Set<ColumnRef> refs) {
        if (derivedMode) {
            derived.addAll(refs);
        }
        if (sink != null) {
            sink.addAll(refs);
        }
    }

    // ---- names -----------------------------------------------------------------------------------------

    private static TableName tableName(Table t) {
        String name = ident(t.getName());
        return t.getSchemaName() == null ? TableName.unqualified(name) : new TableName(ident(t.getSchemaName()), name);
    }

    private static FunctionName functionName(List<String> parts) {
        int n = parts.size();
        return new FunctionName(n > 1 ? ident(parts.get(n - 2)) : null, ident(parts.get(n - 1)));
    }

    /** PostgreSQL's identifier rules: quoted names as written, unquoted ones folded to lower case. */
    static String ident(String raw) {
        if (raw == null) {
            return null;
        }
        if (raw.length() >= 2 && raw.charAt(0) == '"' && raw.charAt(raw.length() - 1) == '"') {
            return raw.substring(1, raw.length() - 1).replace("\"\"", "\"");
        }
        return SqlLexer.fold(raw);
    }
}
