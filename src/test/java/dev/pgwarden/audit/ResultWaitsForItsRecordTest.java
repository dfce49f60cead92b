package dev.pgwarden.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.Statement;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.pgwarden.testing.GatewayTestResource;
import dev.pgwarden.testing.PostgresFixture;
import dev.pgwarden.testing.RawPgClient;
import dev.pgwarden.testing.RawPgClient.Message;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * Fail closed, a small result goes to the client together with its ReadyForQuery once the
 * statement's record is committed: while the store cannot take the record, the client has not
 * seen a byte of the result (its rows are not out ahead of the trail), and then it gets all of it.
 */
@QuarkusTest
@QuarkusTestResource(GatewayTestResource.class)
@TestProfile(OwnStoreProfile.class)
class ResultWaitsForItsRecordTest {

    @Test
    void aSmallResultReachesTheClientOnlyOnceItsRecordIsCommitted() throws Exception {
        try (RawPgClient client = new RawPgClient("127.0.0.1", GatewayTestResource.gatewayPort());
                Connection store = StoreOutageTest.storeConnection(OwnStoreProfile.store())) {
            client.login("record-first", PostgresFixture.DATABASE,
                    GatewayTestResource.token("record-first", "analysts"));
            client.send(RawPgClient.query("SELECT 'before the lock'"));
            assertEquals("before the lock", firstValue(client.readUntilReady()));

            // The store takes no statement record while this transaction holds the lock.
            store.setAutoCommit(false);
            try (Statement s = store.createStatement()) {
                s.execute("LOCK TABLE pgwarden.audit_statement IN SHARE MODE");
            }
            client.send(RawPgClient.query("SELECT 'held with its record'"));
            client.soTimeout(1_500); // under the profile's 3 s commit timeout, after which the session would end
            assertThrows(SocketTimeoutException.class, client::readByte,
                    "nothing of the result may reach the client before its record is committed");

            store.rollback();
            client.soTimeout(10_000);
            List<Message> answer = client.readUntilReady();
            assertEquals("held with its record", firstValue(answer));
            assertEquals('Z', answer.get(answer.size() - 1).type());
        }
    }

    /** The first column of the first DataRow. */
    private static String firstValue(List<Message> messages) {
        Message row = messages.stream().filter(m -> m.type() == 'D').findFirst()
                .orElseThrow(() -> new AssertionError("no DataRow in " + messages));
        byte[] b = row.body();
        int len = ((b[2] & 0xff) << 24) | ((b[3] & 0xff) << 16) | ((b[4] & 0xff) << 8) | (b[5] & 0xff);
        assertTrue(len >= 0, "a value, not NULL");
        return new String(b, 6, len, StandardCharsets.UTF_8);
    }
}
