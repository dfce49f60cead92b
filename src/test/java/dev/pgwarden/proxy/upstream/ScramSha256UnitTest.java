package dev.pgwarden.proxy.upstream;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;

import javax.crypto.Mac;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.SecretKeySpec;

import org.junit.jupiter.api.Test;

/**
 * The client side of SCRAM-SHA-256 checked against a server side computed here from RFC 5802/7677
 * with the JDK's own primitives.
 */
class ScramSha256UnitTest {
    private static final String PASSWORD = "gateway-secret";
    private static final byte[] SALT = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    private static final int ITERATIONS = 4096;
    private final UpstreamCredentials credentials = new UpstreamCredentials("gw", PASSWORD.toCharArray());

    private static String utf8(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    private static byte[] hmac(byte[] key, String data) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key, "HmacSHA256"));
        return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] saltedPassword(byte[] salt, int iterations) throws Exception {
        return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256")
                .generateSecret(new PBEKeySpec(PASSWORD.toCharArray(), salt, iterations, 256)).getEncoded();
    }

    @Test
    void clientFirstMessageFormat() {
        String first = utf8(new ScramSha256(credentials).clientFirst());
        // no channel binding, no authzid, user "*" (PostgreSQL uses the startup packet's user)
        assertTrue(first.startsWith("n,,n=*,r="), first);
        String nonce = first.substring("n,,n=*,r=".length());
        assertTrue(nonce.length() >= 18, "nonce: " + nonce);
        assertTrue(nonce.chars().allMatch(c -> c >= 0x21 && c <= 0x7e && c != ','), "printable nonce: " + nonce);
    }

    @Test
    void everyExchangeHasAFreshNonce() {
        assertNotEquals(utf8(new ScramSha256(credentials).clientFirst()),
                utf8(new ScramSha256(credentials).clientFirst()));
    }

    @Test
    void fullExchangeAgainstAnIndependentServerSide() throws Exception {
        exchange(SALT, ITERATIONS);
    }

    @Test
    void everyLoginFollowsTheSaltAndIterationsTheServerNames() throws Exception {
        // The credentials keep one salted password; a verifier reset with a new salt or count must not reuse it.
        exchange(SALT, ITERATIONS);
        exchange(SALT, ITERATIONS);
        exchange("another-salt-16b".getBytes(StandardCharsets.US_ASCII), ITERATIONS);
        exchange("another-salt-16b".getBytes(StandardCharsets.US_ASCII), 4097);
        exchange(SALT, ITERATIONS);
    }

    /** One exchange, checked against the server side computed from RFC 5802 with the JDK. */
    private void exchange(byte[] salt, int iterations) throws Exception {
        ScramSha256 scram = new ScramSha256(credentials);
        String clientFirst = utf8(scram.clientFirst());
        String clientFirstBare = clientFirst.substring(3); // after "n,,"
        String clientNonce = clientFirstBare.substring("n=*,r=".length());
        String serverFirst = "r=" + clientNonce + "srvNonce+/=,s=" + Base64.getEncoder().encodeToString(salt)
                + ",i=" + iterations;

        String clientFinal = utf8(scram.clientFinal(serverFirst.getBytes(StandardCharsets.UTF_8)));

        String withoutProof = "c=biws,r=" + clientNonce + "srvNonce+/=";
        assertTrue(clientFinal.startsWith(withoutProof + ",p="), clientFinal);
        String authMessage = clientFirstBare + "," + serverFirst + "," + withoutProof;
        byte[] salted = saltedPassword(salt, iterations);
        byte[] clientKey = hmac(salted, "Client Key");
        byte[] storedKey = MessageDigest.getInstance("SHA-256").digest(clientKey);
        byte[] signature = hmac(storedKey, authMessage);
        byte[] proof = new byte[clientKey.length];
        for (int i = 0; i < proof.length; i++) {
            proof[i] = (byte) (clientKey[i] ^ signature[i]);
        }
        assertEquals(withoutProof + ",p=" + Base64.getEncoder().encodeToString(proof), clientFinal);

        String serverSignature = Base64.getEncoder().encodeToString(hmac(hmac(salted, "Server Key"), authMessage));
        assertDoesNotThrow(() -> scram.verifyServerFinal(("v=" + serverSignature).getBytes(StandardCharsets.UTF_8)));
    }

    private ScramSha256 afterClientFinal() {
        ScramSha256 scram = new ScramSha256(credentials);
        String nonce = utf8(scram.clientFirst()).substring("n,,n=*,r=".length());
        scram.clientFinal(("r=" + nonce + "xyz,s=" + Base64.getEncoder().encodeToString(SALT) + ",i=" + ITERATIONS)
                .getBytes(StandardCharsets.UTF_8));
        return scram;
    }

    @Test
    void aServerThatCannotProveItKnowsTheVerifierIsRejected() {
        ScramSha256 scram = afterClientFinal();
        String wrong = Base64.getEncoder().encodeToString(new byte[32]);
        UpstreamFailure f = assertThrows(UpstreamFailure.class,
                () -> scram.verifyServerFinal(("v=" + wrong).getBytes(StandardCharsets.UTF_8)));
        assertEquals("08006", f.sqlState());
    }

    @Test
    void aServerErrorInTheFinalMessageIsRejected() {
        ScramSha256 scram = afterClientFinal();
        assertThrows(UpstreamFailure.class,
                () -> scram.verifyServerFinal("e=invalid-proof".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void aServerNonceThatDoesNotExtendOursIsRejected() {
        ScramSha256 scram = new ScramSha256(credentials);
        scram.clientFirst();
        assertThrows(UpstreamFailure.class, () -> scram.clientFinal(
                ("r=someoneElsesNonce,s=" + Base64.getEncoder().encodeToString(SALT) + ",i=4096")
                        .getBytes(StandardCharsets.UTF_8)));
    }
}
