package dev.pgwarden.proxy;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Decides which client startup parameters reach PostgreSQL. Any startup parameter is applied as
 * a setting there, so a denylist would let {@code role=postgres} or {@code options=-c role=...}
 * undo the role mapping: only session settings known to be harmless pass.
 */
final class StartupParameters {
    private static final Set<String> FORWARDED = Set.of(
            "application_name", "client_encoding", "datestyle", "timezone", "extra_float_digits",
            "intervalstyle", "search_path", "lc_monetary", "lc_numeric", "lc_time", "bytea_output",
            "statement_timeout", "lock_timeout", "idle_in_transaction_session_timeout",
            "default_transaction_isolation", "default_transaction_read_only", "standard_conforming_strings",
            "geqo", "jit", "work_mem");
    private static final Set<String> CONSUMED = Set.of("user", "database");

    private final Map<String, String> forwarded = new LinkedHashMap<>();
    private final List<String> ignored;

    StartupParameters(Map<String, String> fromClient) {
        java.util.ArrayList<String> dropped = new java.util.ArrayList<>();
        fromClient.forEach((name, value) -> {
            String key = name.toLowerCase(Locale.ROOT);
            if (FORWARDED.contains(key)) {
                forwarded.put(name, value);
            } else if (!CONSUMED.contains(key) && !key.startsWith("_pq_.")) {
                dropped.add(name);
            }
        });
        this.ignored = List.copyOf(dropped);
    }

    Map<String, String> forwarded() {
        return forwarded;
    }

    /** Parameters that were not forwarded, to tell the client in a notice. */
    List<String> ignored() {
        return ignored;
    }
}
