package dev.pgwarden.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.pgwarden.testing.Gateway;
import dev.pgwarden.testing.GatewayTestResource;
import dev.pgwarden.testing.Pgbench;
import dev.pgwarden.testing.PgTarget;
import dev.pgwarden.testing.PostgresFixture;
import dev.pgwarden.testing.ProcessResult;
import dev.pgwarden.testing.Psql;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;

/** psql and pgbench as processes, through the gateway, exactly as a user runs them. */
@QuarkusTest
@QuarkusTestResource(GatewayTestResource.class)
class LibpqClientsTest {

    @BeforeAll
    static void pgbenchTables() {
        PostgresFixture pg = PostgresFixture.shared();
        if (!"t".equals(pg.queryForString("SELECT to_regclass('pgbench_accounts') IS NOT NULL"))) {
            Pgbench.to(pg.superuserTarget()).timeout(Duration.ofMinutes(2)).run("-i", "-q", "-s", "1").requireSuccess();
        }
        pg.execute("GRANT SELECT, UPDATE, INSERT ON pgbench_accounts, pgbench_branches, pgbench_tellers, "
                + "pgbench_history TO analyst_ro");
    }

    private static PgTarget analyst() {
        return Gateway.target("agent-7", "analysts");
    }

    @Test
    void psqlRunsMultiStatementStringsAndReportsTheMappedRole() {
        ProcessResult r = Psql.to(analyst()).command("SELECT current_user; SELECT count(*) FROM customers");
        r.requireSuccess();
        assertEquals("analyst_ro\n" + PostgresFixture.CUSTOMER_COUNT, r.out());
    }

    @Test
    void psqlMetaCommandsWork() {
        ProcessResult r = Psql.to(analyst()).script("\\dt\n\\d customers\n\\l\n");
        r.requireSuccess();
        assertTrue(r.out().contains("customers"), r.out());
        assertTrue(r.out().contains("card_number"), r.out());
        assertTrue(r.out().contains("shop"), r.out());
    }

    @Test
    void psqlCopyInAndOutThroughTheGateway() {
        PostgresFixture.shared().execute("TRUNCATE items");
        Psql.to(analyst()).script("COPY items FROM STDIN;\n1\tone\n2\ttwo\n\\.\n").requireSuccess();
        ProcessResult out = Psql.to(analyst()).command("COPY (SELECT * FROM items ORDER BY id) TO STDOUT");
        out.requireSuccess();
        assertEquals("1\tone\n2\ttwo", out.out());
    }

    /**
     * A result PostgreSQL produces faster than psql reads: relayed slices wait in the outbound
     * buffer while later chunks arrive, and every byte must still be exactly what PostgreSQL sent.
     */
    @Test
    void aLargeFastResultArrivesByteForByteUnderBackpressure() {
        PostgresFixture pg = PostgresFixture.shared();
        pg.execute("CREATE TABLE IF NOT EXISTS wide AS SELECT g AS id, repeat(md5(g::text), 3) AS a, "
                + "'user' || g || '@example.com' AS b FROM generate_series(1, 600000) g");
        pg.execute("GRANT SELECT ON wide TO analyst_ro");
        String sql = "SELECT * FROM wide ORDER BY id";
        ProcessResult direct = Psql.to(pg.superuserTarget()).timeout(Duration.ofMinutes(2)).command(sql);
        direct.requireSuccess();
        for (int run = 0; run < 3; run++) {
            ProcessResult through = Psql.to(analyst()).timeout(Duration.ofMinutes(2)).command(sql);
            through.requireSuccess();
            assertEquals(direct.stdout().length(), through.stdout().length(), "run " + run);
            assertTrue(direct.stdout().equals(through.stdout()), "identical bytes, run " + run);
        }
    }

    @Test
    void psqlOverTls() {
        ProcessResult r = Psql.to(analyst()).sslMode("require")
                .command("SELECT 'tls ok'");
        r.requireSuccess();
        assertEquals("tls ok", r.out());
        ProcessResult verified = Psql.to(analyst()).sslMode("verify-ca")
                .env("PGSSLROOTCERT", GatewayTestResource.certFile().toString())
                .command("SELECT 'verified'");
        verified.requireSuccess();
    }

    @Test
    void psqlErrorsCarryPostgresMessagesAndTheRightExitCode() {
        ProcessResult r = Psql.to(analyst()).command("SELECT * FROM no_such_table");
        assertEquals(1, r.exitCode());
        assertTrue(r.stderr().contains("relation \"no_such_table\" does not exist"), r.stderr());
    }

    @Test
    void pgbenchSimpleProtocol() {
        ProcessResult r = Pgbench.to(analyst()).timeout(Duration.ofMinutes(2))
                .run("-n", "-S", "-M", "simple", "-c", "4", "-j", "2", "-t", "300");
        r.requireSuccess();
        assertTrue(r.out().contains("number of failed transactions: 0"), r.out());
        assertTrue(r.out().contains("number of transactions actually processed: 1200/1200"), r.out());
    }

    @Test
    void pgbenchPreparedProtocol() {
        ProcessResult r = Pgbench.to(analyst()).timeout(Duration.ofMinutes(2))
                .run("-n", "-S", "-M", "prepared", "-c", "4", "-j", "2", "-t", "300");
        r.requireSuccess();
        assertTrue(r.out().contains("number of transactions actually processed: 1200/1200"), r.out());
    }

    @Test
    void pgbenchReadWriteExtendedProtocol() {
        ProcessResult r = Pgbench.to(analyst()).timeout(Duration.ofMinutes(2))
                .run("-n", "-M", "extended", "-c", "2", "-t", "100");
        r.requireSuccess();
        assertTrue(r.out().contains("number of failed transactions: 0"), r.out());
    }
}
