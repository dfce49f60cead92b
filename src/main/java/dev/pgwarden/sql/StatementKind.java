package dev.pgwarden.sql;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * What a statement does, as far as a policy rule is concerned. A statement can have several kinds (a SELECT
 * whose CTE deletes rows is both {@code select} and {@code delete}).
 *
 * <p>Some kinds are also matched by a broader kind in a rule, so that a rule written for the broad kind does
 * not silently miss them: {@code truncate} by {@code delete} and {@code ddl}; {@code select_into} and
 * {@code create_table_as} by {@code ddl}; {@code copy_in} by {@code insert}; {@code explain} by {@code select};
 * {@code maintenance} by {@code utility}.
 */
public enum StatementKind {
    SELECT,
    INSERT,
    UPDATE,
    DELETE,
    MERGE,
    DDL,
    TRUNCATE(DELETE, DDL),
    COPY_OUT,
    COPY_IN(INSERT),
    SELECT_INTO(DDL),
    CREATE_TABLE_AS(DDL),
    CALL,
    DO,
    SET,
    TRANSACTION,
    /** EXPLAIN without ANALYZE: plans, never runs. */
    EXPLAIN(SELECT),
    /** EXECUTE of a statement an earlier PREPARE defined; decided by re-analysing that statement. */
    EXECUTE,
    /** VACUUM, ANALYZE, CLUSTER, REINDEX, CHECKPOINT. */
    MAINTENANCE,
    /** FETCH, MOVE, CLOSE, DEALLOCATE, DISCARD, LISTEN, NOTIFY, UNLISTEN, LOCK. */
    UTILITY,
    /** Would leave the role the gateway set: always refused, never named in a policy. */
    ROLE_CHANGE(false),
    /** Would change how the server reads SQL text (encoding, string escapes): always refused. */
    GATEWAY_SETTING(false),
    /** Not a statement pgwarden recognises: refused, never named in a policy. */
    OTHER(false);

    private final StatementKind[] broader;
    private final boolean inPolicy;

    StatementKind(StatementKind... broader) {
        this.broader = broader;
        this.inPolicy = true;
    }

    StatementKind(boolean inPolicy) {
        this.broader = new StatementKind[0];
        this.inPolicy = inPolicy;
    }

    /** The name used in policy files ({@code copy_out}). */
    public String policyName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The kind a policy file names, if it names one a rule may match on. */
    public static Optional<StatementKind> fromPolicyName(String name) {
        for (StatementKind k : values()) {
            if (k.inPolicy && k.policyName().equals(name)) {
                return Optional.of(k);
            }
        }
        return Optional.empty();
    }

    /** The kinds a rule listing {@code listed} matches: the listed ones plus every kind they are broader than. */
    public static Set<StatementKind> matchedBy(Set<StatementKind> listed) {
        EnumSet<StatementKind> matched = EnumSet.noneOf(StatementKind.class);
        for (StatementKind k : values()) {
            if (listed.contains(k)) {
                matched.add(k);
            }
            for (StatementKind b : k.broader) {
                if (listed.contains(b)) {
                    matched.add(k);
                }
            }
        }
        return matched;
    }

    /** Whether the kind is refused before any rule is looked at. */
    public boolean alwaysRefused() {
        return !inPolicy;
    }

    @Override
    public String toString() {
        return policyName();
    }
}
