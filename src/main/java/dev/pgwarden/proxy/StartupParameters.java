package dev.pgwarden.proxy;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Decides which client startup parameters reach PostgreSQL. Any startup parameter is applied as
 * a setting there, so a denylist would let {@code role=postgres} or {@code options=-c role=...}
 * undo the role mapping: only session settings known to be harmless pass. Not forwarded either:
 * {@code standard_conforming_strings} (off changes where string literals end for the parser),
 * {@code search_path} (policy rules resolve unqualified table names in public), and the settings that
 * change which plan PostgreSQL picks (geqo, work_mem...), which {@code SET} may not change either: the
 * gateway judges statements by the plans PostgreSQL makes with the defaults.
 */
final class StartupParameters {
    private static final Set<String> FORWARDED = Set.of(
            "application_name", "datestyle", "timezone", "extra_float_digits",
            "intervalstyle", "lc_monetary", "lc_numeric", "lc_time", "bytea_output",
            "statement_timeout", "lock_timeout", "idle_in_transaction_session_timeout",
            "default_transaction_isolation", "default_transaction_read_only", "jit");
    private static final Set<String> CONSUMED = Set.of("user", "database");

    private final Map<String, String> forwarded = new LinkedHashMap<>();
    private final List<String> ignored;

    StartupParameters(Map<String, String> fromClient) {
        List<String> dropped = new ArrayList<>();
        fromClient.forEach((name, value) -> {
            String key = name.toLowerCase(Locale.ROOT);
            if (key.equals("client_encoding")) {
                forwarded.put(name, isUtf8(value) ? value : "UTF8");
            } else if (FORWARDED.contains(key)) {
                forwarded.put(name, value);
            } else if (!CONSUMED.contains(key) && !key.startsWith("_pq_.")) {
                dropped.add(name);
            }
        });
        this.ignored = List.copyOf(dropped);
    }

    /**
     * The policy reads SQL as UTF-8; with another client encoding (SJIS, BIG5, GBK have backslash
     * as a second byte) PostgreSQL could see string literals end elsewhere (CVE-2006-2314). Such
     * clients get UTF8 instead (libpq adapts to the server's ParameterStatus).
     */
    private static boolean isUtf8(String encoding) {
        String e = encoding.toUpperCase(Locale.ROOT).replace("-", "").replace("_", "");
        return e.equals("UTF8") || e.equals("UNICODE");
    }

    Map<String, String> forwarded() {
        return forwarded;
    }

    /** Parameters that were not forwarded, to tell the client in a notice. */
    List<String> ignored() {
        return ignored;
    }
}
