package dev.pgwarden.gate;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;

import dev.pgwarden.testing.PostgresFixture;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.junit.QuarkusTestProfile;

/**
 * The gateway with the shipped example policy (deploy/policy.example.yaml, as it is), and objects with side
 * effects in the test database, created before the gateway reads the catalog at start.
 */
public class SideEffectsProfile implements QuarkusTestProfile {
    static final Path POLICY = Path.of("deploy/policy.example.yaml").toAbsolutePath();

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("pgwarden.policy.file", POLICY.toString(),
                "pgwarden.masking.hash-key", "test-hash-key-0123456789");
    }

    @Override
    public List<TestResourceEntry> testResources() {
        return List.of(new TestResourceEntry(Objects.class));
    }

    /** A sequence, a table and functions, views and an operator that change them; dropped afterwards. */
    public static final class Objects implements QuarkusTestResourceLifecycleManager {
        static final String[] CREATE = {
            "CREATE SEQUENCE sidefx_seq",
            "GRANT USAGE, SELECT, UPDATE ON SEQUENCE sidefx_seq TO analyst_ro",
            "CREATE TABLE sidefx_log (id serial PRIMARY KEY, note text)",
            "GRANT SELECT, INSERT ON sidefx_log TO analyst_ro",
            "GRANT USAGE ON SEQUENCE sidefx_log_id_seq TO analyst_ro",
            // volatile, as functions are unless declared otherwise
            "CREATE FUNCTION sidefx_log_insert(note text) RETURNS int LANGUAGE plpgsql"
                    + " AS 'BEGIN INSERT INTO sidefx_log (note) VALUES (note); RETURN 1; END'",
            // declared STABLE, yet it advances a sequence: only PostgreSQL's read-only mode stops it
            "CREATE FUNCTION sidefx_sneaky_next() RETURNS bigint STABLE LANGUAGE plpgsql"
                    + " AS 'BEGIN RETURN nextval(''sidefx_seq''); END'",
            "CREATE VIEW sidefx_next_v AS SELECT nextval('sidefx_seq') AS n",
            "CREATE VIEW sidefx_next_vv AS SELECT n FROM sidefx_next_v",
            "GRANT SELECT ON sidefx_next_v, sidefx_next_vv TO analyst_ro",
            "CREATE FUNCTION sidefx_bump(int, int) RETURNS int LANGUAGE sql"
                    + " AS 'SELECT $1 + $2 + 0 * nextval(''sidefx_seq'')::int'",
            // an operator name PostgreSQL already has for other types: only this overload is volatile
            "CREATE OPERATOR public.@@ (LEFTARG = int, RIGHTARG = int, FUNCTION = sidefx_bump)",
        };
        static final String DROP = "DROP OPERATOR IF EXISTS public.@@ (int, int);"
                + " DROP VIEW IF EXISTS sidefx_next_vv, sidefx_next_v;"
                + " DROP FUNCTION IF EXISTS sidefx_bump(int, int), sidefx_log_insert(text), sidefx_sneaky_next();"
                + " DROP TABLE IF EXISTS sidefx_log; DROP SEQUENCE IF EXISTS sidefx_seq;"
                + " SELECT lo_unlink(oid) FROM pg_largeobject_metadata WHERE lomowner = 'analyst_ro'::regrole";

        @Override
        public Map<String, String> start() {
            PostgresFixture pg = PostgresFixture.shared();
            pg.execute(DROP);
            try (Connection c = pg.superuserConnection(); Statement st = c.createStatement()) {
                for (String sql : CREATE) {
                    st.execute(sql);
                }
            } catch (SQLException e) {
                throw new IllegalStateException("side-effect fixture: " + e.getMessage(), e);
            }
            return Map.of();
        }

        @Override
        public void stop() {
            PostgresFixture.shared().execute(DROP);
        }
    }
}
