package dev.pgwarden.policy;

/**
 * A statement that defines, runs or drops a named prepared statement (SQL-level PREPARE / EXECUTE /
 * DEALLOCATE). The engine keeps no session state: the proxy records {@code name -> query} after an allowed
 * PREPARE succeeds and hands it back through {@link PreparedStatements} when an EXECUTE is decided.
 *
 * @param use   what the statement does with it
 * @param name  the statement name as PostgreSQL folds it; null for DEALLOCATE ALL
 * @param query for DEFINE: the prepared query text
 */
public record PreparedRef(Use use, String name, String query) {

    public enum Use {
        DEFINE,
        EXECUTE,
        DEALLOCATE
    }
}
