package dev.pgwarden.proxy.upstream;

import java.nio.charset.StandardCharsets;
import java.util.List;

import com.ongres.scram.client.ScramClient;
import com.ongres.scram.common.exception.ScramException;

/** SCRAM-SHA-256 client exchange (RFC 7677) via the ongres library, as pgjdbc does it. */
final class ScramSha256 {
    static final String MECHANISM = "SCRAM-SHA-256";
    private final ScramClient client;

    ScramSha256(char[] password) {
        // PostgreSQL ignores the SCRAM user name and uses the startup packet's user.
        this.client = ScramClient.builder()
                .advertisedMechanisms(List.of(MECHANISM))
                .username("*")
                .password(password)
                .build();
    }

    byte[] clientFirst() {
        return client.clientFirstMessage().toString().getBytes(StandardCharsets.UTF_8);
    }

    byte[] clientFinal(byte[] serverFirst) {
        try {
            client.serverFirstMessage(new String(serverFirst, StandardCharsets.UTF_8));
        } catch (ScramException e) {
            throw new UpstreamFailure("upstream SCRAM exchange failed");
        }
        return client.clientFinalMessage().toString().getBytes(StandardCharsets.UTF_8);
    }

    void verifyServerFinal(byte[] serverFinal) {
        try {
            client.serverFinalMessage(new String(serverFinal, StandardCharsets.UTF_8));
        } catch (ScramException e) {
            // A server that cannot prove it knows our verifier is not the server we configured.
            throw new UpstreamFailure("upstream server failed SCRAM verification");
        }
    }
}
