package dev.pgwarden.audit;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.Map;
import java.util.Properties;

import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * {@code audit verify} on the command line, without the gateway running: connects to the store
 * with the gateway's own datasource settings (the same environment variables) and recomputes
 * every chain.
 *
 * <pre>
 * java -cp "target/quarkus-app/app/*:target/quarkus-app/lib/main/*" dev.pgwarden.audit.AuditVerify [--json]
 *     [--url jdbc:postgresql://host/pgwarden_store] [--user pgwarden_store] [--password-file FILE]
 * </pre>
 *
 * Defaults come from {@code QUARKUS_DATASOURCE_JDBC_URL}, {@code QUARKUS_DATASOURCE_USERNAME} and
 * {@code QUARKUS_DATASOURCE_PASSWORD}. Exit status: 0 intact, 1 a broken link (the first is named),
 * 2 could not verify.
 */
public final class AuditVerify {
    private AuditVerify() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.getenv(), System.out, System.err));
    }

    static int run(String[] args, Map<String, String> env, PrintStream out, PrintStream err) {
        String url = env.get("QUARKUS_DATASOURCE_JDBC_URL");
        String user = env.get("QUARKUS_DATASOURCE_USERNAME");
        String password = env.get("QUARKUS_DATASOURCE_PASSWORD");
        boolean json = false;
        try {
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--json" -> json = true;
                    case "--url" -> url = args[++i];
                    case "--user" -> user = args[++i];
                    case "--password-file" -> password = Files.readString(Path.of(args[++i])).strip();
                    default -> {
                        err.println("unknown argument " + args[i]
                                + "; usage: AuditVerify [--json] [--url JDBC_URL] [--user USER] [--password-file FILE]");
                        return 2;
                    }
                }
            }
        } catch (IOException | ArrayIndexOutOfBoundsException e) {
            err.println("bad arguments: " + e.getMessage());
            return 2;
        }
        if (url == null || user == null) {
            err.println("no store given: set QUARKUS_DATASOURCE_JDBC_URL and QUARKUS_DATASOURCE_USERNAME, or pass --url and --user");
            return 2;
        }
        Properties props = new Properties();
        props.setProperty("user", user);
        if (password != null) {
            props.setProperty("password", password);
        }
        try (Connection c = new org.postgresql.Driver().connect(url, props)) {
            if (c == null) {
                err.println("not a PostgreSQL JDBC URL: " + url);
                return 2;
            }
            ChainVerifier.Report r = ChainVerifier.verify(c);
            if (json) {
                out.println(new ObjectMapper().writeValueAsString(r));
            } else if (r.ok()) {
                out.printf("audit trail intact: %d sessions, %d statements, %d chain entries%n", r.sessions(),
                        r.statements(), r.chainEntries());
            } else {
                out.printf("audit trail BROKEN at %s (%d broken link%s; %d sessions, %d statements, %d chain entries)%n",
                        r.firstBroken().describe(), r.brokenLinks(), r.brokenLinks() == 1 ? "" : "s", r.sessions(),
                        r.statements(), r.chainEntries());
            }
            return r.ok() ? 0 : 1;
        } catch (Exception e) {
            err.println("could not verify the audit trail: " + e.getMessage());
            return 2;
        }
    }
}
