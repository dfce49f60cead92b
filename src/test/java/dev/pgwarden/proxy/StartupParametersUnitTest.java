package dev.pgwarden.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class StartupParametersUnitTest {

    private static Map<String, String> ordered(String... kv) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }

    @Test
    void roleOptionsAndSessionAuthorizationAreNeverForwardedAndAreReported() {
        StartupParameters p = new StartupParameters(ordered(
                "user", "alice",
                "role", "postgres",
                "options", "-c role=postgres",
                "session_authorization", "postgres",
                "application_name", "psql"));
        assertEquals(Map.of("application_name", "psql"), p.forwarded());
        assertEquals(List.of("role", "options", "session_authorization"), p.ignored());
    }

    @Test
    void dangerousNamesInAnyCaseAreNotForwarded() {
        StartupParameters p = new StartupParameters(ordered(
                "ROLE", "postgres",
                "Options", "-c session_authorization=postgres",
                "Session_Authorization", "postgres",
                "replication", "database",
                "default_transaction_read_only ", "off")); // trailing space: not the known name
        assertTrue(p.forwarded().isEmpty(), p.forwarded().toString());
        assertEquals(List.of("ROLE", "Options", "Session_Authorization", "replication", "default_transaction_read_only "),
                p.ignored());
    }

    @Test
    void sessionSettingsAreForwardedInAnyCaseWithTheClientsNameAndValue() {
        StartupParameters p = new StartupParameters(ordered(
                "application_name", "pgAdmin 4",
                "DateStyle", "ISO, MDY",
                "TimeZone", "Europe/Berlin",
                "client_encoding", "UTF8",
                "extra_float_digits", "3"));
        assertEquals(new ArrayList<>(ordered(
                "application_name", "pgAdmin 4",
                "DateStyle", "ISO, MDY",
                "TimeZone", "Europe/Berlin",
                "client_encoding", "UTF8",
                "extra_float_digits", "3").entrySet()),
                new ArrayList<>(p.forwarded().entrySet()), "names, values and order are kept");
        assertEquals(List.of(), p.ignored());
    }

    @Test
    void aClientEncodingOtherThanUtf8BecomesUtf8SoThePolicyReadsWhatPostgresReads() {
        for (String enc : List.of("SJIS", "BIG5", "GBK", "SQL_ASCII", "LATIN1")) {
            StartupParameters p = new StartupParameters(Map.of("client_encoding", enc));
            assertEquals(Map.of("client_encoding", "UTF8"), p.forwarded(), enc);
        }
        assertEquals(Map.of("client_encoding", "utf-8"),
                new StartupParameters(Map.of("client_encoding", "utf-8")).forwarded());
        assertEquals(List.of("standard_conforming_strings"),
                new StartupParameters(Map.of("standard_conforming_strings", "off")).ignored());
    }

    @Test
    void datestyleIsRecognisedInEveryCase() {
        for (String name : List.of("datestyle", "DateStyle", "DATESTYLE", "dAtEsTyLe")) {
            StartupParameters p = new StartupParameters(Map.of(name, "ISO"));
            assertEquals(Map.of(name, "ISO"), p.forwarded(), name);
            assertEquals(List.of(), p.ignored(), name);
        }
    }

    @Test
    void protocolOptionsAreNeitherForwardedNorReported() {
        StartupParameters p = new StartupParameters(ordered(
                "_pq_.protocol_managed_params", "search_path",
                "_PQ_.Other", "x",
                "application_name", "app"));
        assertEquals(Map.of("application_name", "app"), p.forwarded());
        assertEquals(List.of(), p.ignored());
    }

    @Test
    void userAndDatabaseAreConsumedNotForwardedNorReported() {
        StartupParameters p = new StartupParameters(ordered("user", "alice", "database", "shop"));
        assertTrue(p.forwarded().isEmpty());
        assertEquals(List.of(), p.ignored());
    }

    @Test
    void unknownSettingsAreReported() {
        StartupParameters p = new StartupParameters(ordered(
                "shared_preload_libraries", "x",
                "log_statement", "none",
                "jit", "off"));
        assertEquals(Map.of("jit", "off"), p.forwarded());
        assertEquals(List.of("shared_preload_libraries", "log_statement"), p.ignored());
    }

    /** SET refuses them (SessionGuard): the plans the gateway judges are PostgreSQL's with the defaults. */
    @Test
    void settingsThatChangePlansAreNotForwarded() {
        StartupParameters p = new StartupParameters(ordered("geqo", "off", "work_mem", "64kB",
                "enable_hashjoin", "off", "random_page_cost", "100", "application_name", "a"));
        assertEquals(Map.of("application_name", "a"), p.forwarded());
        assertEquals(List.of("geqo", "work_mem", "enable_hashjoin", "random_page_cost"), p.ignored());
    }
}
