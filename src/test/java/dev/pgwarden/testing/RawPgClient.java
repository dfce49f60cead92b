package dev.pgwarden.testing;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A byte-level protocol client for tests that must send what no driver would: garbage, oversize
 * lengths, bytes after SSLRequest, FunctionCall. It reads real server messages back.
 */
public final class RawPgClient implements AutoCloseable {
    /** One server message: its type byte and body (without type and length). */
    public record Message(char type, byte[] body) {
        /** The M (message) field of an ErrorResponse/NoticeResponse. */
        public String field(char code) {
            int i = 0;
            while (i < body.length && body[i] != 0) {
                char f = (char) body[i++];
                int start = i;
                while (body[i] != 0) {
                    i++;
                }
                String v = new String(body, start, i - start, StandardCharsets.UTF_8);
                i++;
                if (f == code) {
                    return v;
                }
            }
            return null;
        }

        public String sqlState() {
            return field('C');
        }
    }

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;

    public RawPgClient(String host, int port) throws IOException {
        socket = new Socket(host, port);
        socket.setSoTimeout(10_000);
        in = new DataInputStream(socket.getInputStream());
        out = socket.getOutputStream();
    }

    public RawPgClient send(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
        return this;
    }

    public static byte[] startupPacket(int major, int minor, Map<String, String> params) {
        ByteBuffer b = ByteBuffer.allocate(4096);
        b.putInt(0).putInt((major << 16) | minor);
        params.forEach((k, v) -> b.put(cstr(k)).put(cstr(v)));
        b.put((byte) 0);
        int len = b.position();
        b.putInt(0, len);
        byte[] out = new byte[len];
        b.flip().get(out);
        return out;
    }

    public static byte[] typed(char type, byte[] body) {
        return ByteBuffer.allocate(5 + body.length).put((byte) type).putInt(4 + body.length).put(body).array();
    }

    public static byte[] cstr(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        byte[] out = new byte[b.length + 1];
        System.arraycopy(b, 0, out, 0, b.length);
        return out;
    }

    public static byte[] query(String sql) {
        return typed('Q', cstr(sql));
    }

    // ---- extended protocol, for the sequences no driver sends ----

    public static byte[] parse(String name, String sql) {
        return typed('P', concat(cstr(name), cstr(sql), shorts(0)));
    }

    /** Bind with no parameters; {@code binary}: every result column in binary format. */
    public static byte[] bind(String portal, String statement, boolean binary) {
        return typed('B', concat(cstr(portal), cstr(statement), binary ? shorts(0, 0, 1, 1) : shorts(0, 0, 0)));
    }

    public static byte[] describe(char kind, String name) {
        return typed('D', concat(new byte[] { (byte) kind }, cstr(name)));
    }

    public static byte[] close(char kind, String name) {
        return typed('C', concat(new byte[] { (byte) kind }, cstr(name)));
    }

    public static byte[] execute(String portal) {
        return typed('E', concat(cstr(portal), new byte[4]));
    }

    public static byte[] sync() {
        return typed('S', new byte[0]);
    }

    public static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        ByteBuffer b = ByteBuffer.allocate(n);
        for (byte[] p : parts) {
            b.put(p);
        }
        return b.array();
    }

    public static byte[] shorts(int... values) {
        ByteBuffer b = ByteBuffer.allocate(2 * values.length);
        for (int v : values) {
            b.putShort((short) v);
        }
        return b.array();
    }

    /** The message types in order, e.g. "12DCZ". */
    public static String types(List<Message> messages) {
        StringBuilder s = new StringBuilder();
        messages.forEach(m -> s.append(m.type()));
        return s.toString();
    }

    /** A DataRow's values as UTF-8 text (binary values too, as their bytes read as UTF-8); null for NULL. */
    public static List<String> dataRowValues(Message row) {
        if (row.type() != 'D') {
            throw new IllegalArgumentException("not a DataRow: " + row.type());
        }
        ByteBuffer b = ByteBuffer.wrap(row.body());
        int n = b.getShort();
        List<String> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int len = b.getInt();
            if (len < 0) {
                out.add(null);
                continue;
            }
            byte[] v = new byte[len];
            b.get(v);
            out.add(new String(v, StandardCharsets.UTF_8));
        }
        return out;
    }

    /** Startup + token; returns every message up to and including the first ReadyForQuery or error. */
    public List<Message> login(String user, String database, String token) throws IOException {
        send(startupPacket(3, 0, Map.of("user", user, "database", database)));
        Message auth = read();
        if (auth.type() != 'R') {
            return List.of(auth);
        }
        send(typed('p', cstr(token)));
        return readUntilReady();
    }

    public Message read() throws IOException {
        char type = (char) in.readUnsignedByte();
        int len = in.readInt();
        byte[] body = new byte[len - 4];
        in.readFully(body);
        return new Message(type, body);
    }

    /** Reads messages until ReadyForQuery (included) or a FATAL/connection end. */
    public List<Message> readUntilReady() throws IOException {
        List<Message> messages = new ArrayList<>();
        while (true) {
            Message m;
            try {
                m = read();
            } catch (EOFException e) {
                return messages;
            }
            messages.add(m);
            if (m.type() == 'Z' || (m.type() == 'E' && "FATAL".equals(m.field('V')))) {
                return messages;
            }
        }
    }

    public int readByte() throws IOException {
        return in.read();
    }

    /** True when the server closed the connection (EOF) within the socket timeout. */
    public boolean closedByServer() throws IOException {
        try {
            while (true) {
                if (in.read() < 0) {
                    return true;
                }
            }
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true; // reset
        }
    }

    public void soTimeout(int millis) throws IOException {
        socket.setSoTimeout(millis);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
