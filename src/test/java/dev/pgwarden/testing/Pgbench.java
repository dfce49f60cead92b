package dev.pgwarden.testing;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs pgbench against a {@link PgTarget}, e.g.
 * {@code Pgbench.to(target).run("-i", "-s", "1")} or {@code .run("-n", "-S", "-c", "4", "-t", "100")}.
 * Connection options come first and the database name last, as pgbench expects.
 */
public final class Pgbench {

    private final PgTarget target;
    private final Map<String, String> extraEnv = new LinkedHashMap<>();
    private String sslMode = "disable";
    private Duration timeout = Duration.ofSeconds(180);
    private String stdin;

    private Pgbench(PgTarget target) {
        this.target = target;
    }

    public static Pgbench to(PgTarget target) {
        return new Pgbench(target);
    }

    /** One-liner with SSL disabled and the default timeout. */
    public static ProcessResult run(PgTarget target, String... args) {
        return to(target).run(args);
    }

    public Pgbench sslMode(String sslMode) {
        this.sslMode = sslMode;
        return this;
    }

    public Pgbench timeout(Duration timeout) {
        this.timeout = timeout;
        return this;
    }

    public Pgbench env(String name, String value) {
        extraEnv.put(name, value);
        return this;
    }

    /** Custom script fed on stdin; use with {@code -f /dev/stdin}. */
    public Pgbench stdin(String script) {
        this.stdin = script;
        return this;
    }

    public ProcessResult run(String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(PgBinaries.locate().tool("pgbench"));
        cmd.addAll(target.connectionArgs());
        cmd.addAll(List.of(args));
        cmd.add(target.database());
        ProcessRunner runner = ProcessRunner.of(cmd)
                .unsetEnvWithPrefix("PG")
                .env(target.libpqEnv(sslMode))
                .env("PGAPPNAME", "pgwarden-test-pgbench")
                .env(extraEnv)
                .timeout(timeout);
        if (stdin != null) {
            runner.stdin(stdin);
        }
        return runner.run();
    }
}
