package dev.pgwarden.testing;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A broken PostgreSQL, the one place a test fakes the server (the point is a server no real one
 * would be): it logs anyone in as PostgreSQL does (AuthenticationOk, ParameterStatus,
 * BackendKeyData, ReadyForQuery) and answers each query with a result in which one message is
 * mutated. Side connections ({@code application_name=pgwarden-side}) get a well-formed error. Every
 * connection's choices come from {@code seed} and its number, so a seed replays a run.
 */
public final class HostileUpstream implements AutoCloseable {
    private static final int MAX_MESSAGE_SIZE = 1_048_576;

    private final ServerSocket server;
    private final long seed;
    private final AtomicLong connections = new AtomicLong();
    private final AtomicLong mutatedFrames = new AtomicLong();
    private volatile long currentSeed;

    public HostileUpstream(long seed) {
        this.seed = seed;
        try {
            server = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Thread accept = new Thread(this::acceptLoop, "hostile-upstream");
        accept.setDaemon(true);
        accept.start();
    }

    public int port() {
        return server.getLocalPort();
    }

    /** Restarts the sequence of choices (connections numbered from 0 again) from another seed. */
    public void reseed(long s) {
        currentSeed = s;
        connections.set(0);
    }

    public long mutatedFrames() {
        return mutatedFrames.get();
    }

    private void acceptLoop() {
        currentSeed = seed;
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                Random rnd = new Random(currentSeed * 1_000_003 + connections.getAndIncrement());
                Thread t = new Thread(() -> serve(s, rnd), "hostile-upstream-conn");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket socket, Random rnd) {
        try (socket) {
            socket.setSoTimeout(60_000);
            DataInputStream in = new DataInputStream(socket.getInputStream());
            OutputStream out = socket.getOutputStream();
            FuzzFrames gen = new FuzzFrames(rnd, MAX_MESSAGE_SIZE);
            byte[] startup;
            while (true) {
                startup = new byte[in.readInt() - 4];
                in.readFully(startup);
                if (ByteBuffer.wrap(startup).getInt() == 80877103) {
                    out.write('N'); // SSLRequest: no TLS here
                    continue;
                }
                break;
            }
            if (ByteBuffer.wrap(startup).getInt() != 3 << 16) {
                return; // CancelRequest: nothing to cancel
            }
            boolean side = new String(startup, StandardCharsets.UTF_8).contains("pgwarden-side");
            ByteArrayOutputStream login = new ByteArrayOutputStream();
            String[] loginTypes = { "R", "S", "K", "Z" };
            int broken = side || rnd.nextInt(5) != 0 ? -1 : rnd.nextInt(loginTypes.length);
            for (int i = 0; i < loginTypes.length; i++) {
                FuzzFrames.Msg m = loginMessage(loginTypes[i].charAt(0), gen);
                login.writeBytes(i == broken ? mutated(gen, m) : FuzzFrames.encode(m));
            }
            out.write(complete(login.toByteArray()));
            while (true) {
                byte type = in.readByte();
                byte[] body = new byte[in.readInt() - 4];
                in.readFully(body);
                if (type == 'X') {
                    return;
                }
                if (type != 'Q') {
                    continue; // the gateway sends only simple queries in these tests
                }
                String sql = new String(body, StandardCharsets.UTF_8);
                if (side) {
                    out.write(concat(FuzzFrames.encode(error("0A000", "no side queries here")), ready()));
                } else if (sql.startsWith("SET ROLE")) {
                    out.write(concat(FuzzFrames.encode(new FuzzFrames.Msg((byte) 'C', java.util.List.of(
                            new FuzzFrames.Field(FuzzFrames.Kind.CSTRING, RawPgClient.cstr("SET"))))), ready()));
                } else {
                    out.write(result(gen, rnd));
                }
                out.flush();
            }
        } catch (IOException e) {
            // the gateway ended the connection
        }
    }

    /** A result with one message mutated somewhere in it, completed so no frame is left open. */
    private byte[] result(FuzzFrames gen, Random rnd) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(FuzzFrames.encode(gen.backend('T')));
        int rows = rnd.nextInt(4);
        int at = rnd.nextInt(rows + 2);
        for (int i = 0; i <= rows + 1; i++) {
            if (i == at) {
                char type = FuzzFrames.BACKEND.charAt(rnd.nextInt(FuzzFrames.BACKEND.length()));
                out.writeBytes(mutated(gen, gen.backend(type)));
            }
            if (i < rows) {
                out.writeBytes(FuzzFrames.encode(gen.backend('D')));
            }
        }
        out.writeBytes(FuzzFrames.encode(gen.backend('C')));
        out.writeBytes(ready());
        // A mutated length may swallow the end of the result into a frame the gateway rightly relays
        // (CopyData is opaque): a last ReadyForQuery then ends it, as the client waits for one.
        return concat(complete(out.toByteArray()), ready());
    }

    private byte[] mutated(FuzzFrames gen, FuzzFrames.Msg m) {
        mutatedFrames.incrementAndGet();
        return (gen.structuralOrContent() ? gen.structural(m) : gen.content(m)).bytes();
    }

    private static FuzzFrames.Msg loginMessage(char type, FuzzFrames gen) {
        return switch (type) {
            case 'S' -> new FuzzFrames.Msg((byte) 'S', java.util.List.of(
                    new FuzzFrames.Field(FuzzFrames.Kind.CSTRING, RawPgClient.cstr("server_version")),
                    new FuzzFrames.Field(FuzzFrames.Kind.CSTRING, RawPgClient.cstr("15.0"))));
            case 'Z' -> new FuzzFrames.Msg((byte) 'Z', java.util.List.of(new FuzzFrames.Field(FuzzFrames.Kind.INT8,
                    new byte[] { 'I' })));
            default -> gen.backend(type);
        };
    }

    private static FuzzFrames.Msg error(String sqlState, String message) {
        java.util.List<FuzzFrames.Field> f = new java.util.ArrayList<>();
        for (String[] kv : new String[][] { { "S", "ERROR" }, { "V", "ERROR" }, { "C", sqlState }, { "M", message } }) {
            f.add(new FuzzFrames.Field(FuzzFrames.Kind.INT8, kv[0].getBytes(StandardCharsets.US_ASCII)));
            f.add(new FuzzFrames.Field(FuzzFrames.Kind.CSTRING, RawPgClient.cstr(kv[1])));
        }
        f.add(new FuzzFrames.Field(FuzzFrames.Kind.INT8, new byte[] { 0 }));
        return new FuzzFrames.Msg((byte) 'E', f);
    }

    private static byte[] ready() {
        return new byte[] { 'Z', 0, 0, 0, 5, 'I' };
    }

    /**
     * Pads a frame whose length promises more than was sent, as the gateway's framing would see it,
     * so the gateway judges every frame instead of waiting for the rest.
     */
    static byte[] complete(byte[] stream) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(stream);
        int pos = 0;
        while (true) {
            byte[] s = out.toByteArray();
            if (pos == s.length) {
                return s;
            }
            if (s.length - pos < 5) {
                out.writeBytes(new byte[5 - (s.length - pos)]);
                continue;
            }
            int declared = ByteBuffer.wrap(s, pos + 1, 4).getInt();
            if (declared < 4 || declared > MAX_MESSAGE_SIZE) {
                return s; // refused from the header
            }
            int end = pos + 1 + declared;
            if (end > s.length) {
                out.writeBytes(new byte[end - s.length]);
            }
            pos = end;
        }
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
