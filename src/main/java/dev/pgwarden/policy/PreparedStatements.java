package dev.pgwarden.policy;

import java.util.Optional;

/**
 * The session's SQL-level prepared statements, kept by the proxy: after an allowed {@code PREPARE name AS q}
 * succeeds it records {@code name -> q} ({@link PreparedRef#query()}), and forgets it on DEALLOCATE. An
 * {@code EXECUTE name} is decided by re-analysing {@code q}.
 */
@FunctionalInterface
public interface PreparedStatements {

    PreparedStatements NONE = name -> Optional.empty();

    Optional<String> query(String name);
}
