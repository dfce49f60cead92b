package dev.pgwarden.policy;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

import dev.pgwarden.sql.ColumnRef;
import dev.pgwarden.sql.FunctionName;
import dev.pgwarden.sql.Sets;
import dev.pgwarden.sql.StatementKind;
import dev.pgwarden.sql.TableName;
import dev.pgwarden.sql.Truth;

/**
 * What the keywords of one statement say about it before any SQL parser looks at it: its kind, the query it
 * wraps (EXPLAIN, COPY (q), DECLARE, PREPARE, CREATE TABLE AS), and the objects utility syntax names directly.
 *
 * @param query        text for the SQL parser when this statement is itself a query; null otherwise
 * @param wrapped      an inner statement and how this one uses it; null if none
 * @param whereMissing answered here for utility forms (COPY t TO, TRUNCATE); null: the parser answers
 * @param limitMissing likewise
 * @param plannableSql what to EXPLAIN for a row estimate; null when no estimate applies
 * @param refusal      why a ROLE_CHANGE, GATEWAY_SETTING or OTHER statement is refused
 */
record Classification(StatementKind kind, Set<StatementKind> extraKinds, String query, Wrapped wrapped,
        List<TableName> tables, List<ColumnRef> columns, List<FunctionName> functions, Truth whereMissing,
        Truth limitMissing, String plannableSql, PreparedRef prepared, String refusal) {

    /** How a statement uses the statement it wraps. */
    enum Use {
        /** Runs it (COPY (q) TO, DECLARE, EXPLAIN ANALYZE, CREATE TABLE AS): everything about it counts. */
        RUNS,
        /** Defines it for later EXECUTE: everything counts except the row estimate, taken at EXECUTE time. */
        PREPARES,
        /** Only looks at it (EXPLAIN, CREATE VIEW): its objects count, its kinds and flags do not. */
        DESCRIBES,
        /** Argument expressions of CALL / EXECUTE, wrapped as {@code SELECT <args>}: objects count. */
        ARGUMENTS
    }

    record Wrapped(Classification inner, Use use) {
    }

    static Builder of(StatementKind kind) {
        return new Builder(kind);
    }

    static Classification refused(StatementKind kind, String reason) {
        return of(kind).refusal(reason).build();
    }

    static final class Builder {
        private final StatementKind kind;
        private final Set<StatementKind> extraKinds = EnumSet.noneOf(StatementKind.class);
        private String query;
        private Wrapped wrapped;
        private final List<TableName> tables = new ArrayList<>();
        private final List<ColumnRef> columns = new ArrayList<>();
        private final List<FunctionName> functions = new ArrayList<>();
        private Truth whereMissing;
        private Truth limitMissing;
        private String plannableSql;
        private PreparedRef prepared;
        private String refusal;

        private Builder(StatementKind kind) {
            this.kind = kind;
        }

        Builder extraKinds(Set<StatementKind> kinds) {
            extraKinds.addAll(kinds);
            extraKinds.remove(kind);
            return this;
        }

        Builder query(String sql) {
            this.query = sql;
            this.plannableSql = sql;
            return this;
        }

        Builder wraps(Classification inner, Use use) {
            this.wrapped = new Wrapped(inner, use);
            return this;
        }

        Builder table(TableName t) {
            tables.add(t);
            return this;
        }

        Builder column(ColumnRef c) {
            columns.add(c);
            return this;
        }

        Builder function(FunctionName f) {
            functions.add(f);
            return this;
        }

        Builder flags(Truth whereMissing, Truth limitMissing) {
            this.whereMissing = whereMissing;
            this.limitMissing = limitMissing;
            return this;
        }

        Builder plannable(String sql) {
            this.plannableSql = sql;
            return this;
        }

        Builder prepared(PreparedRef ref) {
            this.prepared = ref;
            return this;
        }

        Builder refusal(String reason) {
            this.refusal = reason;
            return this;
        }

        Classification build() {
            return new Classification(kind, Sets.ordered(extraKinds), query, wrapped, List.copyOf(tables),
                    List.copyOf(columns), List.copyOf(functions), whereMissing, limitMissing, plannableSql, prepared,
                    refusal);
        }
    }
}
