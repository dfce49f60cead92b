package dev.pgwarden.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.pgwarden.identity.Principal;
import dev.pgwarden.masking.ContentDetectors;
import dev.pgwarden.proxy.SessionInfo;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;

import dev.pgwarden.testing.GatewayTestResource;

/**
 * A batch whose commit was in doubt is written again by the writer: its first attempt (a multi-row
 * INSERT up to {@link AuditStore#ONE_ROUND_TRIP_MAX} statements, a COPY past it) collides with the rows
 * already there, and the INSERT it is written with then must neither fail nor duplicate anything,
 * whatever the batch's size. Either way every column is stored as it was hashed: the chains verify.
 */
@QuarkusTest
@QuarkusTestResource(GatewayTestResource.class)
class AuditStoreRetryTest {
    @Inject
    AgroalDataSource dataSource;

    @Test
    void writingTheSameBatchTwiceStoresItOnce() throws Exception {
        int max = AuditStore.ONE_ROUND_TRIP_MAX;
        for (int size : new int[] { 1, 3, max, max + 1, 500 }) {
            Principal who = new Principal("retry-test", Set.of("analysts"), "test-issuer", Instant.now().plusSeconds(60));
            SessionRecord session = new SessionRecord(new SessionInfo(UUID.randomUUID().toString(), who, "analyst_ro",
                    "127.0.0.1:1", "retry-test", "", false, Instant.now()), "retry-test-replica");
            List<AuditEvent> batch = new ArrayList<>();
            batch.add(new SessionRecord.Started(session));
            for (int i = 1; i <= size; i++) {
                StatementRecord r = new StatementRecord(null, session, "SELECT " + i + "\t-- tab\\ and \\n", null,
                        "allowed", null, "v1", null, Micros.now(), new ResultCapture(10, 1000));
                r.seq = i;
                r.finishedAt = Micros.now();
                if (i % 2 == 0) { // the nullable columns filled in on every other record
                    r.rowCount = (long) i;
                    r.sqlState = "22012";
                    r.message = "division by zero in statement " + i;
                    r.byteCount = 40L * i;
                }
                batch.add(r);
            }
            batch.add(new SessionRecord.Ended(session, Micros.now(), "client terminated", size, 0, 0, ""));
            AuditStore store = new AuditStore(dataSource, new RecordRenderer(ContentDetectors.all()), () -> {
            });
            store.write(batch);
            store.write(batch); // the retry of a batch that had been committed after all
            try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement("""
                    SELECT count(*), min(text), (SELECT count(*) FROM pgwarden.audit_chain WHERE session_id = ?)
                    FROM pgwarden.audit_statement WHERE session_id = ?""")) {
                ps.setString(1, session.id);
                ps.setString(2, session.id);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    assertEquals(size, rs.getInt(1), "statements stored once (batch of " + size + ")");
                    assertEquals("SELECT 1\t-- tab\\ and \\n", rs.getString(2), "COPY escapes survive the trip");
                    assertEquals(1, rs.getInt(3), "one link in the global chain");
                }
            }
            try (Connection c = dataSource.getConnection()) {
                assertEquals(true, ChainVerifier.verify(c).ok(), "the retried batch verifies");
            }
        }
    }
}
