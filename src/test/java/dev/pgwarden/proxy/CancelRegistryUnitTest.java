package dev.pgwarden.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

import org.junit.jupiter.api.Test;

import dev.pgwarden.config.GatewayConfig;
import dev.pgwarden.proxy.upstream.UpstreamConnector;
import dev.pgwarden.proxy.upstream.UpstreamCredentials;
import io.vertx.core.Vertx;

class CancelRegistryUnitTest {
    private static final Runnable NOTHING = () -> {
    };

    private static final HexFormat HEX = HexFormat.of();

    /** A target whose connector is null: any attempt to forward a cancel would throw. */
    private static CancelRegistry.Target unreachable(int pid) {
        return new CancelRegistry.Target(null, pid, new byte[] { 1, 2, 3, 4 }, NOTHING);
    }

    private static byte[] secretBytes(int secret) {
        return ByteBuffer.allocate(4).putInt(secret).array();
    }

    @Test
    void tenThousandKeysAreUniqueRandomAndHaveNonNegativePids() {
        CancelRegistry r = new CancelRegistry();
        Set<CancelRegistry.Key> keys = new HashSet<>();
        Set<Integer> pids = new HashSet<>();
        Set<Integer> secrets = new HashSet<>();
        int ascending = 0;
        int previous = -1;
        for (int i = 0; i < 10_000; i++) {
            CancelRegistry.Key k = r.register(unreachable(i));
            assertTrue(k.processId() >= 0, "pid " + k.processId());
            keys.add(k);
            pids.add(k.processId());
            secrets.add(k.secret());
            if (k.processId() > previous) {
                ascending++;
            }
            previous = k.processId();
        }
        assertEquals(10_000, keys.size());
        assertEquals(10_000, r.size());
        // Random 31-bit pids and 32-bit secrets: a handful of repeats at most among 10k.
        assertTrue(pids.size() > 9_980, "distinct pids: " + pids.size());
        assertTrue(secrets.size() > 9_980, "distinct secrets: " + secrets.size());
        // Not a counter: about half the steps go up.
        assertTrue(ascending > 4_000 && ascending < 6_000, "ascending steps: " + ascending);
        assertTrue(secrets.stream().anyMatch(s -> s < 0), "secrets use all 32 bits");
    }

    @Test
    void anUnknownKeyIsNotForwarded() {
        CancelRegistry r = new CancelRegistry();
        CancelRegistry.Key k = r.register(unreachable(1));
        assertFalse(r.cancel(k.processId(), secretBytes(k.secret() ^ 1)));
        assertFalse(r.cancel(k.processId() ^ 1, secretBytes(k.secret())));
        assertFalse(new CancelRegistry().cancel(0, new byte[4]));
    }

    @Test
    void aSecretThatIsNotFourBytesLongIsNotForwardedEvenIfItStartsWithTheKey() {
        CancelRegistry r = new CancelRegistry();
        CancelRegistry.Key k = r.register(unreachable(1));
        byte[] s = secretBytes(k.secret());
        assertFalse(r.cancel(k.processId(), Arrays.copyOf(s, 32)), "protocol 3.2 length secret");
        assertFalse(r.cancel(k.processId(), Arrays.copyOf(s, 3)));
        assertFalse(r.cancel(k.processId(), new byte[0]));
    }

    @Test
    void anUnregisteredKeyIsForgotten() {
        CancelRegistry r = new CancelRegistry();
        CancelRegistry.Key k = r.register(unreachable(1));
        CancelRegistry.Key other = r.register(unreachable(2));
        r.unregister(k);
        r.unregister(null);
        assertEquals(1, r.size());
        assertFalse(r.cancel(k.processId(), secretBytes(k.secret())));
        r.unregister(other);
        assertEquals(0, r.size());
    }

    @Test
    void toStringNeverShowsASecret() {
        CancelRegistry r = new CancelRegistry();
        for (int i = 0; i < 100; i++) {
            CancelRegistry.Key k = r.register(unreachable(i));
            String s = k.toString().toLowerCase(Locale.ROOT);
            assertFalse(s.contains(String.valueOf(k.secret())), s);
            assertFalse(s.contains(Integer.toHexString(k.secret())), s);
            assertFalse(s.contains(Integer.toUnsignedString(k.secret())), s);
            assertTrue(s.contains(String.valueOf(k.processId())), s);
        }
        byte[] upstreamSecret = HEX.parseHex("c0ffee42");
        String t = new CancelRegistry.Target(null, 4242, upstreamSecret, NOTHING).toString().toLowerCase(Locale.ROOT);
        assertFalse(t.contains("c0ffee42"), t);
        assertFalse(t.contains(Arrays.toString(upstreamSecret)), t);
        assertFalse(t.contains(String.valueOf(0xc0ffee42)), t);
        assertFalse(t.contains("-64"), t); // (byte) 0xc0
        assertTrue(t.contains("4242"), t);
    }

    /** The gateway's own upstream settings, as the config mapping would supply them. */
    private record Upstream(int port) implements GatewayConfig.Upstream {
        @Override
        public String host() {
            return "127.0.0.1";
        }

        @Override
        public String database() {
            return "app";
        }

        @Override
        public String user() {
            return "pgwarden";
        }

        @Override
        public Optional<String> password() {
            return Optional.of("unused");
        }

        @Override
        public Optional<String> passwordFile() {
            return Optional.empty();
        }

        @Override
        public String sslMode() {
            return "disable";
        }

        @Override
        public Optional<String> sslRootCert() {
            return Optional.empty();
        }

        @Override
        public Duration connectTimeout() {
            return Duration.ofSeconds(5);
        }

        @Override
        public Duration catalogCheckInterval() {
            return Duration.ofSeconds(2);
        }

        @Override
        public int sideConnections() {
            return 4;
        }
    }

    /** Everything one connection sends until it closes (the connector ends the socket after the packet). */
    private static byte[] receiveOne(ServerSocket server) throws Exception {
        try (Socket s = server.accept()) {
            s.setSoTimeout(10_000);
            InputStream in = s.getInputStream();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buf = new byte[512];
            int n;
            while ((n = in.read(buf)) != -1) {
                out.write(buf, 0, n);
            }
            return out.toByteArray();
        }
    }

    @Test
    void aMatchingKeyForwardsTheUpstreamKeyAsAnExactCancelRequest() throws Exception {
        Vertx vertx = Vertx.vertx();
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            server.setSoTimeout(10_000);
            UpstreamConnector connector = new UpstreamConnector(vertx, new Upstream(server.getLocalPort()),
                    new UpstreamCredentials("pgwarden", "unused".toCharArray()), 1 << 20);
            CancelRegistry r = new CancelRegistry();
            CancelRegistry.Key decoy = r.register(new CancelRegistry.Target(connector, 1, HEX.parseHex("00000001"), NOTHING));
            CancelRegistry.Key k = r.register(new CancelRegistry.Target(connector, 4242, HEX.parseHex("0a0b0c0d"), NOTHING));
            CancelRegistry.Key v32 = r.register(new CancelRegistry.Target(connector, 7,
                    HEX.parseHex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"), NOTHING));
            assertTrue(decoy != null && v32 != null);

            assertTrue(r.cancel(k.processId(), secretBytes(k.secret())));
            // length 16, cancel code 80877102, upstream pid 4242, upstream secret
            assertEquals("00000010" + "04d2162e" + "00001092" + "0a0b0c0d", HEX.formatHex(receiveOne(server)));

            // An upstream speaking protocol 3.2 may have handed the gateway a 32-byte key.
            assertTrue(r.cancel(v32.processId(), secretBytes(v32.secret())));
            assertEquals("0000002c" + "04d2162e" + "00000007"
                    + "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
                    HEX.formatHex(receiveOne(server)));
            connector.close();
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get();
        }
    }
}
