package dev.pgwarden.redteam;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import dev.pgwarden.redteam.Corpus.Client;
import dev.pgwarden.redteam.Corpus.Door;
import dev.pgwarden.redteam.Corpus.Entry;
import dev.pgwarden.testing.Gateway;
import dev.pgwarden.testing.GatewayTestResource;
import dev.pgwarden.testing.PostgresFixture;
import dev.pgwarden.testing.Psql;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * The red-team corpus, door by door: each statement first shown to leak straight from
 * PostgreSQL under the agent's own role, then run through the gateway with the example policy by
 * pgjdbc (simple protocol, and server-prepared with binary results) and psql, none of which may
 * carry the data out. Held statements are denied by a watcher, as a careful approver would.
 */
@QuarkusTest
@QuarkusTestResource(GatewayTestResource.class)
@TestProfile(RedTeamProfile.class)
class RedTeamTest {
    static final int ROWS = 20_000;
    static final int LONGEST_HARMLESS_VALUE = 100_000;
    private static final Set<String> SECRETS = new HashSet<>();
    private static Thread denier;
    private static volatile boolean denying = true;

    static Stream<Entry> corpus() {
        return Corpus.load().stream();
    }

    @BeforeAll
    static void setUp() throws Exception {
        PostgresFixture pg = PostgresFixture.shared();
        pg.execute("""
                CREATE TABLE IF NOT EXISTS patients (id int PRIMARY KEY, name text NOT NULL, diagnosis text, ssn text UNIQUE);
                INSERT INTO patients VALUES (1, 'Ann Lee', 'melanoma stage II', '512-34-5678'),
                    (2, 'Bo Chan', 'asthma', '623-45-6789') ON CONFLICT DO NOTHING;
                GRANT SELECT ON patients TO analyst_ro, support_ro;
                GRANT UPDATE ON patients TO support_ro;
                DROP TABLE IF EXISTS readings;
                CREATE TABLE readings AS SELECT g AS id, 'reading-' || g || '-' || md5(g::text) AS payload
                    FROM generate_series(1, %d) g;
                ANALYZE readings;
                GRANT SELECT ON readings TO analyst_ro, support_ro;
                CREATE OR REPLACE VIEW redteam_v AS SELECT id, ssn AS s FROM customers;
                GRANT SELECT ON redteam_v TO analyst_ro, support_ro;
                CREATE SEQUENCE IF NOT EXISTS ticket_seq;
                GRANT USAGE, SELECT, UPDATE ON ticket_seq TO analyst_ro, support_ro;
                CREATE TABLE IF NOT EXISTS visit_log (note text);
                GRANT SELECT, INSERT ON visit_log TO analyst_ro, support_ro;
                CREATE OR REPLACE FUNCTION log_visit(note text) RETURNS void LANGUAGE plpgsql
                    AS $$ BEGIN INSERT INTO visit_log VALUES (note); END $$;
                CREATE OR REPLACE VIEW next_ticket AS SELECT nextval('ticket_seq') AS n;
                GRANT SELECT ON next_ticket TO analyst_ro, support_ro;
                CREATE OR REPLACE FUNCTION sneaky_next() RETURNS bigint LANGUAGE plpgsql STABLE
                    AS $$ BEGIN RETURN nextval('ticket_seq'); END $$;
                CREATE OR REPLACE FUNCTION peek_diagnosis(pid int) RETURNS void LANGUAGE plpgsql STABLE
                    AS $$ DECLARE d text; BEGIN SELECT diagnosis INTO d FROM patients WHERE id = pid;
                    RAISE NOTICE 'found %%', d; END $$;
                CREATE OR REPLACE FUNCTION fail_with_diagnosis(pid int) RETURNS void LANGUAGE plpgsql STABLE
                    AS $$ DECLARE d text; BEGIN SELECT diagnosis INTO d FROM patients WHERE id = pid;
                    RAISE EXCEPTION 'bad %%', d; END $$;
                CREATE OR REPLACE FUNCTION cast_in_function(pid int) RETURNS int LANGUAGE plpgsql STABLE
                    AS $$ DECLARE d text; r int; BEGIN SELECT diagnosis INTO d FROM patients WHERE id = pid;
                    EXECUTE format('SELECT %%L::int', d) INTO r; RETURN r; END $$;
                """.formatted(ROWS));
        try (Connection c = pg.superuserConnection(); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT ssn, card_number, email FROM customers"
                        + " UNION ALL SELECT ssn, diagnosis, name FROM patients")) {
            while (rs.next()) {
                for (int i = 1; i <= 3; i++) {
                    SECRETS.add(rs.getString(i));
                }
            }
        }
        SECRETS.add("mela"); // a fragment of the shapeless secret is a leak too
        SECRETS.remove("asthma"); // too common a word to be evidence on its own
        SECRETS.remove("Ann Lee");
        SECRETS.remove("Bo Chan");
        denier = new Thread(RedTeamTest::denyEverything, "redteam-denier");
        denier.setDaemon(true);
        denier.start();
    }

    @AfterAll
    static void stopDenying() throws InterruptedException {
        denying = false;
        denier.join(5000);
    }

    /** A careful approver: every request of the red team is denied as soon as it shows up. */
    private static void denyEverything() {
        String approver = GatewayTestResource.token("ann", "pgwarden-approvers");
        while (denying) {
            try {
                List<Map<String, Object>> pending = given().auth().oauth2(approver).queryParam("status", "PENDING")
                        .get("/api/approvals").then().extract().jsonPath().getList("");
                for (Map<String, Object> r : pending) {
                    if (String.valueOf(r.get("subject")).startsWith("redteam-")) {
                        given().auth().oauth2(approver).contentType("application/json").body("{\"reason\":\"red team\"}")
                                .post("/api/approvals/" + r.get("id") + "/deny");
                    }
                }
                Thread.sleep(100);
            } catch (InterruptedException e) {
                return;
            } catch (Exception e) { // RestAssured rethrows I/O errors unchecked or not: keep watching either way
                try {
                    Thread.sleep(200);
                } catch (InterruptedException stop) {
                    return;
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("corpus")
    void theDoorIsOpenInPostgresAndShutInTheGateway(Entry e) throws Exception {
        String probeBefore = probe(e);
        Observation direct = direct(e);
        assertOpen(e, direct, probeBefore);
        List<String> failures = new ArrayList<>();
        for (Client client : e.clients()) {
            String before = probe(e);
            String subject = "redteam-" + UUID.randomUUID();
            Observation through;
            String sessionProbe = null;
            if (client == Client.PSQL) {
                through = Observation.of(Psql.to(Gateway.target(subject, e.group())).timeout(Duration.ofSeconds(90))
                        .args("-v", "VERBOSITY=verbose").command(e.sql()));
            } else {
                try (Connection c = Gateway.connect(subject, client == Client.SIMPLE ? "preferQueryMode=simple"
                        : "prepareThreshold=-1&binaryTransfer=true", e.group())) {
                    through = Observation.of(c, e.sql());
                    sessionProbe = e.sessionProbe() == null ? null : firstValue(c, e.sessionProbe());
                    String after = probe(e); // while the session is open: advisory locks live as long as it
                    if (e.door() == Door.WRITE && e.probe() != null && !String.valueOf(before).equals(after)) {
                        failures.add(client + ": changed " + e.probe() + " from " + before + " to " + after);
                    }
                }
            }
            String problem = shut(e, through, before, sessionProbe, client);
            if (problem != null) {
                failures.add(client + ": " + problem + " (" + through + ")");
            }
        }
        assertTrue(failures.isEmpty(), e.id() + " leaked through the gateway:\n" + String.join("\n", failures));
    }

    /** The statement straight against PostgreSQL, under the agent's role. */
    private static Observation direct(Entry e) throws SQLException {
        PostgresFixture pg = PostgresFixture.shared();
        if (!e.clients().contains(Client.SIMPLE)) {
            return Observation.of(Psql.to(pg.superuserTarget()).args("-v", "VERBOSITY=verbose",
                    "-c", "SET ROLE " + e.role()).command(e.sql()));
        }
        try (Connection c = pg.superuserConnection()) {
            try (Statement st = c.createStatement()) {
                st.execute("SET ROLE " + e.role());
            }
            Observation o = Observation.of(c, e.sql());
            if (e.sessionProbe() != null) {
                o.texts.add("session probe: " + firstValue(c, e.sessionProbe()));
            }
            if (e.probe() != null) {
                o.texts.add("probe while open: " + probe(e));
            }
            return o;
        }
    }

    private static void assertOpen(Entry e, Observation direct, String probeBefore) {
        switch (e.door()) {
            case TEXT -> assertTrue(direct.leaked(SECRETS) != null, e.id() + ": no secret straight from PostgreSQL: "
                    + direct);
            case STREAM -> assertTrue(direct.rows > RedTeamProfile.ROW_LIMIT || direct.longestValue > LONGEST_HARMLESS_VALUE,
                    e.id() + ": nothing large straight from PostgreSQL: " + direct);
            case WRITE -> {
                if (e.sessionProbe() != null) {
                    assertTrue(direct.texts.contains("session probe: set"), e.id() + ": " + direct);
                } else {
                    assertTrue(!direct.texts.contains("probe while open: " + probeBefore),
                            e.id() + ": nothing changed straight in PostgreSQL (" + probeBefore + "): " + direct);
                }
            }
            case GUESS -> assertTrue(direct.sqlState == null || direct.sqlState.equals("22012"),
                    e.id() + ": PostgreSQL does not answer the question: " + direct);
            default -> fail();
        }
    }

    /** Why the gateway let the door open, or null. */
    private static String shut(Entry e, Observation through, String before, String sessionProbe, Client client) {
        String leaked = through.leaked(SECRETS);
        if (leaked != null) {
            return "the secret " + leaked + " reached the client";
        }
        switch (e.door()) {
            case STREAM -> {
                if (through.rows > RedTeamProfile.ROW_LIMIT || through.longestValue > LONGEST_HARMLESS_VALUE) {
                    return "the stream was not stopped";
                }
            }
            case WRITE -> {
                if (e.sessionProbe() != null && "set".equals(sessionProbe)) {
                    return "the session setting changed";
                }
                if (client == Client.PSQL && e.probe() != null && !String.valueOf(before).equals(probe(e))) {
                    return "the database changed";
                }
            }
            case GUESS -> {
                if (!"42501".equals(through.sqlState)) {
                    return "the question was answered";
                }
            }
            default -> {
            }
        }
        return null;
    }

    private static String probe(Entry e) {
        if (e.probe() == null) {
            return null;
        }
        return PostgresFixture.shared().queryForString(e.probe());
    }

    private static String firstValue(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : null;
        }
    }
}
