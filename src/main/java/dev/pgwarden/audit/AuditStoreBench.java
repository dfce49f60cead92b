package dev.pgwarden.audit;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

import org.flywaydb.core.Flyway;

import dev.pgwarden.identity.Principal;
import dev.pgwarden.masking.ContentDetectors;
import dev.pgwarden.proxy.SessionInfo;
import io.agroal.api.AgroalDataSource;
import io.agroal.api.configuration.supplier.AgroalDataSourceConfigurationSupplier;
import io.agroal.api.security.NamePrincipal;
import io.agroal.api.security.SimplePassword;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;

/**
 * How many audit records per second a store takes: the gateway's own writer (its lanes, batching,
 * hashing, rendering and SQL) fed as fast as it commits, with records shaped like pgbench's
 * select-only statements (one bound parameter, one captured row), against a real store database.
 * Then how long a record takes to commit when each of {@code --waiting} sessions waits for its
 * record before making the next, as fail-closed clients do. For sizing a store, and printed by
 * {@code bench/run.sh}.
 *
 * <pre>
 * java -cp "target/quarkus-app/app/*:target/quarkus-app/lib/main/*:target/quarkus-app/lib/boot/*" \
 *     dev.pgwarden.audit.AuditStoreBench [--url JDBC_URL] [--user USER] [--password-file FILE] [--seconds 10] \
 *     [--writers 1] [--sessions 64] [--waiting 8]
 * </pre>
 *
 * {@code --sessions 0} skips the saturation run, {@code --waiting 0} the latency run.
 *
 * Defaults come from the gateway's datasource environment ({@code QUARKUS_DATASOURCE_JDBC_URL},
 * {@code _USERNAME}, {@code _PASSWORD}). It migrates the database's {@code pgwarden} schema first and
 * leaves its sessions in the trail (ended, chained, verifiable): point it at a scratch database.
 */
public final class AuditStoreBench {
    private static final String TEXT = "SELECT abalance FROM pgbench_accounts WHERE aid = $1;";

    private AuditStoreBench() {
    }

    public static void main(String[] args) throws Exception {
        System.exit(run(args, System.getenv(), System.out));
    }

    static int run(String[] args, Map<String, String> env, PrintStream out) throws Exception {
        String url = env.get("QUARKUS_DATASOURCE_JDBC_URL");
        String user = env.get("QUARKUS_DATASOURCE_USERNAME");
        String password = env.get("QUARKUS_DATASOURCE_PASSWORD");
        int seconds = 10;
        int writers = 1; // the gateway's default
        int sessions = 64;
        int waiting = 8;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--url" -> url = args[++i];
                case "--user" -> user = args[++i];
                case "--password-file" -> password = Files.readString(Path.of(args[++i])).strip();
                case "--seconds" -> seconds = Integer.parseInt(args[++i]);
                case "--writers" -> writers = Integer.parseInt(args[++i]);
                case "--sessions" -> sessions = Integer.parseInt(args[++i]);
                case "--waiting" -> waiting = Integer.parseInt(args[++i]);
                default -> {
                    System.err.println("unknown argument " + args[i] + "; usage: AuditStoreBench [--url JDBC_URL] "
                            + "[--user USER] [--password-file FILE] [--seconds N] [--writers N] [--sessions N] [--waiting N]");
                    return 2;
                }
            }
        }
        if (url == null || user == null) {
            System.err.println("no store given: set QUARKUS_DATASOURCE_JDBC_URL and QUARKUS_DATASOURCE_USERNAME, "
                    + "or pass --url and --user");
            return 2;
        }
        try (AgroalDataSource ds = pool(url, user, password, writers + 1)) {
            Flyway.configure().dataSource(ds).schemas("pgwarden").createSchemas(true).load().migrate();
            if (sessions > 0) {
                Result r = measure(ds, writers, sessions, Duration.ofSeconds(seconds));
                out.printf("audit store ingest: %.0f records/s committed at saturation (%d writers, %d sessions, "
                        + "%d records in %.1f s, %.0f records per batch)%n", r.perSecond(), writers, sessions,
                        r.records(), r.seconds(), r.perBatch());
            }
            if (waiting > 0) {
                Latency l = waiting(ds, writers, waiting, Duration.ofSeconds(seconds));
                out.printf("audit commit latency: p50 %.3f ms, p99 %.3f ms with %d sessions each waiting for its "
                        + "record's commit (%.0f records/s, %d writers)%n", l.p50Millis(), l.p99Millis(), waiting,
                        l.perSecond(), writers);
            }
            return 0;
        }
    }

    /** Records committed per second over {@code window}, after a warm-up of a quarter of it. */
    record Result(long records, double seconds, long batches) {
        double perSecond() {
            return records / seconds;
        }

        double perBatch() {
            return batches == 0 ? 0 : (double) records / batches;
        }
    }

    static Result measure(AgroalDataSource ds, int writers, int sessions, Duration window) throws Exception {
        int bound = 10_000;
        AuditWriter writer = new AuditWriter(new AuditStore(ds, new RecordRenderer(ContentDetectors.all()),
                () -> ds.flush(AgroalDataSource.FlushMode.INVALID)), writers, bound, Long.MAX_VALUE, true,
                Duration.ofMinutes(5));
        writer.start();
        List<Feeder> feeders = new ArrayList<>();
        AtomicBoolean stop = new AtomicBoolean();
        for (int i = 0; i < sessions; i++) {
            feeders.add(new Feeder(writer, bound, stop));
        }
        List<Thread> threads = new ArrayList<>();
        int feederThreads = Math.min(4, sessions);
        for (int t = 0; t < feederThreads; t++) {
            List<Feeder> mine = new ArrayList<>();
            for (int i = t; i < feeders.size(); i += feederThreads) {
                mine.add(feeders.get(i));
            }
            Thread th = new Thread(() -> Feeder.feed(mine, stop), "audit-bench-feeder-" + t);
            th.start();
            threads.add(th);
        }
        Thread.sleep(window.toMillis() / 4);
        long w0 = writer.written();
        long b0 = writer.batches();
        long t0 = System.nanoTime();
        Thread.sleep(window.toMillis());
        long w1 = writer.written();
        long b1 = writer.batches();
        long t1 = System.nanoTime();
        stop.set(true);
        for (Thread th : threads) {
            th.join();
        }
        for (Feeder f : feeders) {
            f.end();
        }
        writer.stop(Duration.ofSeconds(60));
        return new Result(w1 - w0, (t1 - t0) / 1e9, b1 - b0);
    }

    /** Commit latency percentiles and throughput of sessions that each wait for their record. */
    record Latency(double p50Millis, double p99Millis, double perSecond) {
    }

    static Latency waiting(AgroalDataSource ds, int writers, int sessions, Duration window) throws Exception {
        AuditWriter writer = new AuditWriter(new AuditStore(ds, new RecordRenderer(ContentDetectors.all()),
                () -> ds.flush(AgroalDataSource.FlushMode.INVALID)), writers, 10_000, Long.MAX_VALUE, true,
                Duration.ofMinutes(5));
        writer.start();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicBoolean measuring = new AtomicBoolean();
        List<long[]> samples = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        List<Feeder> feeders = new ArrayList<>();
        for (int i = 0; i < sessions; i++) {
            Feeder f = new Feeder(writer, Integer.MAX_VALUE, stop);
            feeders.add(f);
            long[] mine = new long[1 << 17]; // [0] = count, then nanoseconds
            samples.add(mine);
            Thread t = new Thread(() -> {
                int n = 0;
                while (!stop.get()) {
                    long t0 = System.nanoTime();
                    Promise<Void> durable = Promise.promise();
                    f.statement(durable);
                    try {
                        durable.future().toCompletionStage().toCompletableFuture().get();
                    } catch (Exception e) {
                        return;
                    }
                    if (measuring.get() && n < mine.length - 1) {
                        mine[++n] = System.nanoTime() - t0;
                        mine[0] = n;
                    }
                }
            }, "audit-bench-waiting-" + i);
            t.start();
            threads.add(t);
        }
        Thread.sleep(window.toMillis() / 4);
        measuring.set(true);
        long t0 = System.nanoTime();
        Thread.sleep(window.toMillis());
        measuring.set(false);
        long t1 = System.nanoTime();
        stop.set(true);
        for (Thread t : threads) {
            t.join();
        }
        for (Feeder f : feeders) {
            f.end();
        }
        writer.stop(Duration.ofSeconds(60));
        List<Long> all = new ArrayList<>();
        for (long[] s : samples) {
            for (int i = 1; i <= s[0]; i++) {
                all.add(s[i]);
            }
        }
        if (all.isEmpty()) {
            return new Latency(0, 0, 0);
        }
        all.sort(null);
        return new Latency(all.get(all.size() / 2) / 1e6, all.get(Math.min(all.size() - 1, all.size() * 99 / 100)) / 1e6,
                all.size() / ((t1 - t0) / 1e9));
    }

    /** One synthetic session: statements like pgbench -S's, as fast as the writer's queue allows. */
    private static final class Feeder {
        private final AuditWriter writer;
        private final AuditWriter.Lane lane;
        private final SessionRecord session;
        private final int bound;
        private int seq;

        Feeder(AuditWriter writer, int bound, AtomicBoolean stop) {
            this.writer = writer;
            this.bound = bound;
            this.lane = writer.lane();
            Principal who = new Principal("audit-store-bench", Set.of("bench"), "bench", Instant.now().plusSeconds(3600));
            this.session = new SessionRecord(new SessionInfo(UUID.randomUUID().toString(), who, "bench_rw",
                    "127.0.0.1:1", "audit-store-bench", "", false, Instant.now()), "audit-store-bench");
            writer.submit(lane, new SessionRecord.Started(session));
        }

        static void feed(List<Feeder> feeders, AtomicBoolean stop) {
            while (!stop.get()) {
                for (Feeder f : feeders) {
                    if (f.writer.queued() >= f.bound) {
                        LockSupport.parkNanos(50_000);
                        continue;
                    }
                    f.statement(null);
                }
            }
        }

        void statement(Promise<Void> durable) {
            byte[] aid = Integer.toString(1 + (seq * 7919) % 1_000_000).getBytes(StandardCharsets.US_ASCII);
            StatementRecord r = new StatementRecord(durable, session, TEXT,
                    new BindParameters(new byte[][] { aid }, new int[] { 0 }, new int[] { 0 }), "allowed", null,
                    "bench", null, Micros.now(), new ResultCapture(1000, 1 << 20));
            r.result.columns(List.of(new ResultCapture.Column("abalance", 23, 0)));
            Buffer row = Buffer.buffer().appendShort((short) 1).appendInt(1).appendString("0");
            r.result.row(row, 0, row.length());
            r.rowCount = 1L;
            r.byteCount = 60;
            r.seq = ++seq;
            r.finishedAt = Micros.now();
            writer.submit(lane, r);
        }

        void end() {
            writer.submit(lane, new SessionRecord.Ended(session, Micros.now(), "client terminated", seq, seq,
                    60L * seq, "audit-store-bench"));
        }
    }

    private static AgroalDataSource pool(String url, String user, String password, int size) throws IOException {
        try {
            return AgroalDataSource.from(new AgroalDataSourceConfigurationSupplier()
                    .connectionPoolConfiguration(p -> p.maxSize(size)
                            .connectionFactoryConfiguration(f -> {
                                f.jdbcUrl(url).connectionProviderClass(org.postgresql.Driver.class)
                                        .principal(new NamePrincipal(user));
                                if (password != null) {
                                    f.credential(new SimplePassword(password));
                                }
                                return f;
                            })));
        } catch (java.sql.SQLException e) {
            throw new IOException("cannot set up a connection pool for " + url + ": " + e.getMessage(), e);
        }
    }
}
