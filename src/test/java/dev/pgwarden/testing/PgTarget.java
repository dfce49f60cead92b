package dev.pgwarden.testing;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where and as whom a libpq client (psql, pgbench) connects. {@code host} may also be a Unix
 * socket directory. The password only ever reaches the child through PGPASSWORD, never argv.
 */
public record PgTarget(String host, int port, String user, String database, String password) {

    public PgTarget withUser(String user, String password) {
        return new PgTarget(host, port, user, database, password);
    }

    public PgTarget withDatabase(String database) {
        return new PgTarget(host, port, user, database, password);
    }

    public PgTarget withHostPort(String host, int port) {
        return new PgTarget(host, port, user, database, password);
    }

    /** Connection options shared by psql and pgbench (the database is passed separately). */
    List<String> connectionArgs() {
        return List.of("-h", host, "-p", Integer.toString(port), "-U", user);
    }

    /**
     * libpq environment for the child. Inherited PG* variables are removed by the callers, so
     * settings such as PGSERVICE or a developer's ~/.pgpass cannot change what a test does.
     */
    Map<String, String> libpqEnv(String sslMode) {
        Map<String, String> env = new LinkedHashMap<>();
        if (password != null) {
            env.put("PGPASSWORD", password);
        }
        env.put("PGPASSFILE", "/dev/null");
        env.put("PGSSLMODE", sslMode);
        env.put("PGCONNECT_TIMEOUT", "10");
        return env;
    }

    @Override
    public String toString() {
        return user + "@" + host + ":" + port + "/" + database + (password == null ? "" : " (password set)");
    }
}
