package dev.pgwarden.faults;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.pgwarden.identity.dev.DevIssuer;
import dev.pgwarden.testing.GatewayProcess;
import dev.pgwarden.testing.GatewayTestResource;
import dev.pgwarden.testing.PgTarget;
import dev.pgwarden.testing.Pgbench;
import dev.pgwarden.testing.PolicyFiles;
import dev.pgwarden.testing.PostgresFixture;
import dev.pgwarden.testing.ProcessResult;

/**
 * 500 concurrent sessions through the packaged gateway: pgbench -c 500 against a cluster whose
 * max_connections the fixture raised (each session has its own upstream connection, plus the
 * gateway's side connections). No transaction may fail; the gateway's RSS, peak RSS and thread count
 * are printed, sampled while the sessions are open.
 *
 * <p>A number of transactions per client ({@code -t}) rather than a duration ({@code -T}): pgbench's
 * clock starts before its clients have connected, and opening 500 connections takes this 2-core
 * machine 20 to 30 s even straight to PostgreSQL, so a 20 s run measured nothing (0 transactions).
 * With {@code -t} all 500 sessions are open before the first transaction runs.
 */
class FiveHundredSessionsIT {
    static final int CLIENTS = 500;
    static final int TRANSACTIONS_PER_CLIENT = 30;
    static final String SCRIPT = """
            \\set id random(1, 1000)
            SELECT id, amount FROM orders WHERE id = :id;
            """;

    static PostgresFixture pg;
    static DevIssuer issuer;
    static GatewayProcess gateway;

    @BeforeAll
    static void start() throws Exception {
        // Clients, plus side connections (two per event loop) and the store's pool on the same cluster.
        pg = PostgresFixture.startNew(Map.of("max_connections", Integer.toString(CLIENTS + 100)));
        String store = pg.createStore("pgwarden_store_load");
        issuer = DevIssuer.start("127.0.0.1", 0, "pgwarden");
        Path policy = PolicyFiles.temp("load", GatewayTestResource.POLICY);
        Map<String, String> env = GatewayProcess.environment(pg, store, issuer, policy);
        gateway = GatewayProcess.start("load-500", env);
    }

    @AfterAll
    static void stop() {
        if (gateway != null) {
            gateway.close();
        }
        if (issuer != null) {
            issuer.close();
        }
        if (pg != null) {
            pg.stop();
        }
    }

    @Test
    void fiveHundredSessionsAtOnceAndNoTransactionFails() throws Exception {
        long pid = gateway.pid();
        System.out.printf("500 sessions: ulimit -n here %s, gateway's open-files limit %s, before load RSS %s, threads %s%n",
                FaultClients.openFilesLimit(ProcessHandle.current().pid()), FaultClients.openFilesLimit(pid),
                FaultClients.procStatus(pid, "VmRSS"), FaultClients.procStatus(pid, "Threads"));
        String token = new FaultClients(gateway, issuer).agentToken("agent-load");
        PgTarget target = new PgTarget("127.0.0.1", gateway.pgPort(), "agent-load", PostgresFixture.DATABASE, token);

        AtomicBoolean running = new AtomicBoolean(true);
        AtomicLong peakRssKb = new AtomicLong();
        AtomicInteger peakThreads = new AtomicInteger();
        AtomicInteger peakUpstream = new AtomicInteger();
        Thread sampler = new Thread(() -> {
            while (running.get()) {
                peakRssKb.accumulateAndGet(kb(FaultClients.procStatus(pid, "VmRSS")), Math::max);
                peakThreads.accumulateAndGet(Integer.parseInt(FaultClients.procStatus(pid, "Threads")), Math::max);
                try {
                    peakUpstream.accumulateAndGet(Integer.parseInt(pg.queryForString(
                            "SELECT count(*) FROM pg_stat_activity WHERE usename = 'pgwarden_gw'")), Math::max);
                    Thread.sleep(1_000);
                } catch (InterruptedException e) {
                    return;
                } catch (RuntimeException e) {
                    // one missed sample
                }
            }
        }, "gateway-sampler");
        sampler.start();
        ProcessResult r;
        long started = System.nanoTime();
        try {
            r = CompletableFuture.supplyAsync(() -> Pgbench.to(target).timeout(Duration.ofMinutes(3)).stdin(SCRIPT)
                    .run("-n", "-c", Integer.toString(CLIENTS), "-j", "4", "-t", Integer.toString(TRANSACTIONS_PER_CLIENT), "-M", "extended",
                            "-f", "/dev/stdin")).get();
        } finally {
            running.set(false);
            sampler.interrupt();
            sampler.join();
        }
        System.out.printf("500 sessions: pgbench took %d s in all%n", (System.nanoTime() - started) / 1_000_000_000);
        System.out.printf("500 sessions: gateway peak RSS %d MB (VmHWM %s), peak threads %d, peak upstream"
                + " connections of the gateway's login %d, after the run RSS %s, threads %s%n",
                peakRssKb.get() / 1024, FaultClients.procStatus(pid, "VmHWM"), peakThreads.get(), peakUpstream.get(),
                FaultClients.procStatus(pid, "VmRSS"), FaultClients.procStatus(pid, "Threads"));
        System.out.println(r.out());
        String out = r.out();
        assertTrue(r.succeeded(), r.describe() + "\n" + gateway.logTail());
        assertTrue(out.contains("number of clients: " + CLIENTS), out);
        assertTrue(out.contains("number of failed transactions: 0 "), out);
        int all = CLIENTS * TRANSACTIONS_PER_CLIENT;
        assertTrue(out.contains("number of transactions actually processed: " + all + "/" + all), out);
        assertTrue(!out.contains("aborted"), out);
        assertTrue(peakUpstream.get() >= CLIENTS, "all 500 sessions were open upstream at once: " + peakUpstream);
        assertTrue(!gateway.log().contains(" ERROR ["), gateway.logTail());
    }

    private static long kb(String vmRss) {
        return Long.parseLong(vmRss.split("\\s+")[0]);
    }
}
