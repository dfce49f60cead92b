package dev.pgwarden.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Locates the PostgreSQL 15 client and server binaries.
 *
 * <p>Prefers the versioned Debian directory over /usr/bin, whose pg_wrapper scripts pick a
 * version by their own rules. Override with -Dpgwarden.pg.bindir=... or PGWARDEN_PG_BINDIR.
 */
public record PgBinaries(Path dir) {

    static final String PROPERTY = "pgwarden.pg.bindir";
    static final String ENV = "PGWARDEN_PG_BINDIR";
    private static final Path DEBIAN_15 = Path.of("/usr/lib/postgresql/15/bin");

    public static PgBinaries locate() {
        String configured = Optional.ofNullable(System.getProperty(PROPERTY)).orElse(System.getenv(ENV));
        if (configured != null && !configured.isBlank()) {
            return verified(Path.of(configured), "-D" + PROPERTY + "/" + ENV);
        }
        if (Files.isExecutable(DEBIAN_15.resolve("initdb"))) {
            return new PgBinaries(DEBIAN_15);
        }
        String path = Optional.ofNullable(System.getenv("PATH")).orElse("");
        for (String entry : path.split(java.io.File.pathSeparator)) {
            if (!entry.isEmpty() && Files.isExecutable(Path.of(entry, "initdb"))) {
                return new PgBinaries(Path.of(entry));
            }
        }
        throw new IllegalStateException("PostgreSQL binaries not found: looked in " + DEBIAN_15
                + " and PATH for initdb. Install postgresql-15 or set -D" + PROPERTY + "=<bindir>.");
    }

    private static PgBinaries verified(Path dir, String source) {
        if (!Files.isExecutable(dir.resolve("initdb"))) {
            throw new IllegalStateException(source + " points to " + dir + ", which has no executable initdb");
        }
        return new PgBinaries(dir);
    }

    /** Absolute path of a tool such as "psql" or "pg_ctl". */
    public String tool(String name) {
        return dir.resolve(name).toString();
    }
}
