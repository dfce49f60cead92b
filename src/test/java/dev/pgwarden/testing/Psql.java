package dev.pgwarden.testing;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs psql against a {@link PgTarget}:
 * {@code psql -X -w -v ON_ERROR_STOP=1 -At}, i.e. no ~/.psqlrc, never prompt for a password,
 * fail on the first error, unaligned tuples only (easy to assert on).
 *
 * <p>{@link #command(String)} sends the SQL as one simple-Query message ({@code -c});
 * {@link #script(String)} feeds it on stdin, so psql splits and sends statement by statement.
 */
public final class Psql {

    private final PgTarget target;
    private final List<String> extraArgs = new ArrayList<>();
    private final Map<String, String> extraEnv = new LinkedHashMap<>();
    private String sslMode = "disable";
    private Duration timeout = Duration.ofSeconds(60);

    private Psql(PgTarget target) {
        this.target = target;
    }

    public static Psql to(PgTarget target) {
        return new Psql(target);
    }

    /** One-liner: runs {@code sql} with {@code -c}; SSL disabled. */
    public static ProcessResult run(String host, int port, String user, String db, String password,
            String sql, String... extraArgs) {
        return to(new PgTarget(host, port, user, db, password)).args(extraArgs).command(sql);
    }

    /** PGSSLMODE for the client: disable (default), prefer, require, verify-ca, verify-full. */
    public Psql sslMode(String sslMode) {
        this.sslMode = sslMode;
        return this;
    }

    public Psql timeout(Duration timeout) {
        this.timeout = timeout;
        return this;
    }

    /** Extra psql arguments, inserted before the SQL (e.g. "-F", ",", or "-v", "x=1"). */
    public Psql args(String... args) {
        extraArgs.addAll(List.of(args));
        return this;
    }

    /** Extra environment for the child, e.g. PGSSLROOTCERT or PGAPPNAME. */
    public Psql env(String name, String value) {
        extraEnv.put(name, value);
        return this;
    }

    public ProcessResult command(String sql) {
        List<String> cmd = baseCommand();
        cmd.add("-c");
        cmd.add(sql);
        return runner(cmd).run();
    }

    public ProcessResult script(String sql) {
        List<String> cmd = baseCommand();
        cmd.add("-f");
        cmd.add("-");
        return runner(cmd).stdin(sql).run();
    }

    private List<String> baseCommand() {
        List<String> cmd = new ArrayList<>(List.of(
                PgBinaries.locate().tool("psql"), "-X", "-w", "-v", "ON_ERROR_STOP=1", "-At"));
        cmd.addAll(target.connectionArgs());
        cmd.add("-d");
        cmd.add(target.database());
        cmd.addAll(extraArgs);
        return cmd;
    }

    private ProcessRunner runner(List<String> cmd) {
        return ProcessRunner.of(cmd)
                .unsetEnvWithPrefix("PG")
                .env(target.libpqEnv(sslMode))
                .env("PGAPPNAME", "pgwarden-test-psql")
                .env(extraEnv)
                .timeout(timeout);
    }
}
