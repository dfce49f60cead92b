package dev.pgwarden.policy;

import java.util.Set;

/**
 * PostgreSQL refused to plan the statement for the session's role with an error the statement itself
 * would get (it may not read a table, or a name does not exist). No estimate can be had, and no person
 * should be asked to approve a statement PostgreSQL is going to refuse anyway: the engine lets
 * PostgreSQL answer for itself (see {@link PolicyEngine}).
 */
public final class PlannerRefusal extends Exception {
    /**
     * Errors of the statement as written for this role, never of how pgwarden planned it: a generic
     * plan's parameter types (42P18, 42804, 42883) may fail where the real statement would not.
     */
    private static final Set<String> OF_THE_STATEMENT = Set.of(
            "42501", // insufficient_privilege
            "42P01", // undefined_table
            "42703", // undefined_column
            "42704", // undefined_object
            "3F000"); // invalid_schema_name

    private final String sqlState;

    public PlannerRefusal(String sqlState, String message) {
        super(message, null, false, false);
        this.sqlState = sqlState;
    }

    /** Whether an EXPLAIN failing with this SQLSTATE means PostgreSQL would refuse the statement too. */
    public static boolean refusesTheStatement(String sqlState) {
        return sqlState != null && OF_THE_STATEMENT.contains(sqlState);
    }

    public String sqlState() {
        return sqlState;
    }
}
