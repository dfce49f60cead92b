package dev.pgwarden.mcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.pgwarden.approvals.ApprovalNotices;
import dev.pgwarden.loopback.LoopbackTarget;
import dev.pgwarden.wire.PgError;
import dev.pgwarden.wire.PgTypeNames;

/** The MCP endpoint's text handling that needs no gateway: names, notices, typed JSON values. */
class McpTextsUnitTest {

    @Test
    void theApprovalNoticeIsReadBackAsItIsWritten() {
        PgError notice = ApprovalNotices.requested("apr-7k2m9qxd4t", "big-reads, nightly", Instant.parse("2026-01-01T10:00:00Z"),
                "/console/approvals.html?id=apr-7k2m9qxd4t");
        var parsed = ApprovalNotices.parseRequested(notice).orElseThrow();
        assertEquals("apr-7k2m9qxd4t", parsed.id());
        assertEquals("big-reads, nightly", parsed.rule());
        assertTrue(ApprovalNotices.parseRequested(PgError.notice("pgwarden: covered by approval apr-x")).isEmpty());
        assertTrue(ApprovalNotices.parseRequested(PgError.notice("approval apr-abc requested by a function")).isEmpty());
    }

    @Test
    void tableNamesFoldLikeSqlAndKeepQuotedParts() {
        assertEquals(new CatalogQueries.TableName("public", "customers"), CatalogQueries.TableName.parse("Customers"));
        assertEquals(new CatalogQueries.TableName("sales", "orders"), CatalogQueries.TableName.parse(" sales.Orders "));
        assertEquals(new CatalogQueries.TableName("My Schema", "a\"b"), CatalogQueries.TableName.parse("\"My Schema\".\"a\"\"b\""));
        for (String bad : List.of("", "a.b.c", "a.", ".b", "\"open", "a\"b", "\"a\"x")) {
            assertThrows(IllegalArgumentException.class, () -> CatalogQueries.TableName.parse(bad), bad);
        }
    }

    @Test
    void valuesBecomeJsonOfTheirType() {
        assertEquals("[true,false,7,-12345678901234567890,1.50,\"NaN\",2.5E+3,{\"a\":[1]},\"{broken\",\"x\",null]",
                ToolReplies.json(g -> {
                    g.writeStartArray();
                    ToolReplies.writeValue(g, PgTypeNames.BOOL, "t");
                    ToolReplies.writeValue(g, PgTypeNames.BOOL, "f");
                    ToolReplies.writeValue(g, PgTypeNames.INT4, "7");
                    ToolReplies.writeValue(g, PgTypeNames.NUMERIC, "-12345678901234567890");
                    ToolReplies.writeValue(g, PgTypeNames.NUMERIC, "1.50");
                    ToolReplies.writeValue(g, PgTypeNames.FLOAT8, "NaN");
                    ToolReplies.writeValue(g, PgTypeNames.FLOAT8, "2.5e+3");
                    ToolReplies.writeValue(g, 3802, "{\"a\": [1]}");
                    ToolReplies.writeValue(g, 114, "{broken");
                    ToolReplies.writeValue(g, 25, "x");
                    ToolReplies.writeValue(g, 25, null);
                    g.writeEndArray();
                }));
        assertEquals("oid:16385", PgTypeNames.of(16385));
    }

    @Test
    void theApplicationNameIsPrintableAsciiWithinPostgresLimit() {
        assertEquals("mcp:claude-code/1.0.3", McpToolCalls.applicationName("claude-code", "1.0.3"));
        assertEquals("mcp:agent?", McpToolCalls.applicationName("agent\u00e9", null));
        assertEquals(63, McpToolCalls.applicationName("x".repeat(100), "1").length());
    }

    @Test
    void aWildcardListenAddressIsReachedOnLoopback() {
        assertEquals("127.0.0.1", LoopbackTarget.connectHost("0.0.0.0"));
        assertEquals("::1", LoopbackTarget.connectHost("::"));
        assertEquals("10.0.0.5", LoopbackTarget.connectHost("10.0.0.5"));
    }
}
