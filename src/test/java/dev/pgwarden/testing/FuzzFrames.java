package dev.pgwarden.testing;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Protocol v3 messages as lists of typed fields, so a fuzzer can mutate them where they break:
 * lengths and counts that lie, truncation, strings without their NUL, flipped bits, oversize
 * frames, random bytes. Every choice comes from the caller's {@link Random}, so a seed replays a run.
 */
public final class FuzzFrames {
    /** What a field is, so mutations know which ones are counts, lengths and strings. */
    public enum Kind { INT8, INT16, COUNT16, INT32, LEN32, CSTRING, BYTES }

    public record Field(Kind kind, byte[] bytes) {
    }

    /** A message: type byte 0 for the untyped startup-phase packets. */
    public record Msg(byte type, List<Field> fields) {
        public boolean typed() {
            return type != 0;
        }
    }

    /** How a frame was mutated; structural mutations break the layout, content ones keep it. */
    public enum Mutation { NONE, CONTENT, LENGTH_LIES, COUNT_LIES, TRUNCATED, NUL_LESS, FLIPPED, TRAILING_BYTES,
        OVERSIZE, TYPE_SWAPPED, RANDOM }

    public record Frame(byte[] bytes, Mutation mutation, char type) {
        public boolean structural() {
            return mutation != Mutation.NONE && mutation != Mutation.CONTENT;
        }
    }

    private static final String[] SQL = {
        "SELECT 1", "SELECT id, name FROM customers ORDER BY id LIMIT 3", "SELECT count(*) FROM orders",
        "SELECT $1::int + 1", "SELECT name FROM customers WHERE id = $1", "SHOW search_path", "",
        "SELECT 1; SELECT 2", "COPY (SELECT id, name FROM customers ORDER BY id LIMIT 2) TO STDOUT",
        "SELECT pg_sleep(0)", "VALUES (1, 'a'), (2, NULL)", "SELECT * FROM no_such_table", "SELEC 1",
        "SELECT $1, $2, $3", "SELECT 'x' || $1", "SELECT id FROM items", "EXPLAIN SELECT 1",
    };
    private static final String[] NAMES = { "", "", "s1", "s2", "p1", "portal_x", "\u00e9t\u00e9" };
    /** Frontend types a logged-in client may send, mutated in place. */
    public static final String AFTER_LOGIN = "QPBDECHSdcfF";
    private static final String ALL_FRONTEND = "QPBDECHSdcfFXp";

    private final Random rnd;
    private final int maxMessageSize;

    public FuzzFrames(Random rnd, int maxMessageSize) {
        this.rnd = rnd;
        this.maxMessageSize = maxMessageSize;
    }

    // ---- templates: well-formed messages with random content ----

    public Msg afterLogin(char type) {
        List<Field> f = new ArrayList<>();
        switch (type) {
            case 'Q', 'f' -> f.add(cstr(type == 'Q' ? sql() : "fuzz says no"));
            case 'P' -> {
                f.add(cstr(name()));
                f.add(cstr(sql()));
                int n = rnd.nextInt(4);
                f.add(count(n));
                for (int i = 0; i < n; i++) {
                    f.add(int32(pick(new int[] { 0, 23, 25, 1043, rnd.nextInt() })));
                }
            }
            case 'B' -> {
                f.add(cstr(name()));
                f.add(cstr(name()));
                int n = rnd.nextInt(4);
                int formats = rnd.nextInt(3) == 0 ? 0 : rnd.nextBoolean() ? 1 : n;
                f.add(count(formats));
                for (int i = 0; i < formats; i++) {
                    f.add(int16(rnd.nextInt(8) == 0 ? rnd.nextInt(65536) : rnd.nextInt(2)));
                }
                f.add(count(n));
                for (int i = 0; i < n; i++) {
                    if (rnd.nextInt(5) == 0) {
                        f.add(new Field(Kind.LEN32, ByteBuffer.allocate(4).putInt(-1).array()));
                    } else {
                        byte[] v = rnd.nextBoolean() ? Integer.toString(rnd.nextInt(200)).getBytes(StandardCharsets.UTF_8)
                                : randomBytes(rnd.nextInt(12));
                        f.add(new Field(Kind.LEN32, ByteBuffer.allocate(4).putInt(v.length).array()));
                        f.add(new Field(Kind.BYTES, v));
                    }
                }
                int results = rnd.nextInt(4);
                f.add(count(results));
                for (int i = 0; i < results; i++) {
                    f.add(int16(rnd.nextInt(8) == 0 ? rnd.nextInt(65536) : rnd.nextInt(2)));
                }
            }
            case 'D', 'C' -> {
                f.add(new Field(Kind.INT8, new byte[] { (byte) (rnd.nextBoolean() ? 'S' : 'P') }));
                f.add(cstr(name()));
            }
            case 'E' -> {
                f.add(cstr(name()));
                f.add(int32(pick(new int[] { 0, 0, 1, 2, rnd.nextInt() })));
            }
            case 'd' -> f.add(new Field(Kind.BYTES, randomBytes(rnd.nextInt(40))));
            case 'F' -> {
                f.add(int32(pick(new int[] { 1598, 1299, rnd.nextInt() })));
                int n = rnd.nextInt(3);
                int formats = rnd.nextBoolean() ? 0 : n;
                f.add(count(formats));
                for (int i = 0; i < formats; i++) {
                    f.add(int16(rnd.nextInt(2)));
                }
                f.add(count(n));
                for (int i = 0; i < n; i++) {
                    byte[] v = randomBytes(rnd.nextInt(8));
                    f.add(new Field(Kind.LEN32, ByteBuffer.allocate(4).putInt(v.length).array()));
                    f.add(new Field(Kind.BYTES, v));
                }
                f.add(int16(rnd.nextInt(2)));
            }
            default -> {
                // H (Flush), S (Sync), c (CopyDone), X (Terminate): no body
            }
        }
        return new Msg((byte) type, f);
    }

    /** Backend types a hostile upstream sends in a result, mutated in place. */
    public static final String BACKEND = "TDDDCENASKZHGdct123nIsRvV";

    /** A well-formed message PostgreSQL could send, with random content. */
    public Msg backend(char type) {
        List<Field> f = new ArrayList<>();
        switch (type) {
            case 'T' -> {
                int n = 1 + rnd.nextInt(3);
                f.add(count(n));
                for (int i = 0; i < n; i++) {
                    f.add(cstr(pick(new String[] { "id", "name", "email", "?column?" })));
                    f.add(int32(pick(new int[] { 0, 16384, rnd.nextInt() })));
                    f.add(int16(rnd.nextInt(4)));
                    f.add(int32(pick(new int[] { 23, 25, 1043, 17, rnd.nextInt() })));
                    f.add(int16(-1));
                    f.add(int32(-1));
                    f.add(int16(rnd.nextInt(8) == 0 ? 1 : 0));
                }
            }
            case 'D' -> {
                int n = 1 + rnd.nextInt(3);
                f.add(count(n));
                for (int i = 0; i < n; i++) {
                    byte[] v = rnd.nextInt(5) == 0 ? null : rnd.nextBoolean()
                            ? Integer.toString(rnd.nextInt(1000)).getBytes(StandardCharsets.UTF_8) : randomBytes(rnd.nextInt(20));
                    f.add(new Field(Kind.LEN32, ByteBuffer.allocate(4).putInt(v == null ? -1 : v.length).array()));
                    if (v != null) {
                        f.add(new Field(Kind.BYTES, v));
                    }
                }
            }
            case 'C' -> f.add(cstr(pick(new String[] { "SELECT 1", "SELECT 3", "INSERT 0 1", "COPY 2", "SET" })));
            case 'E', 'N' -> {
                for (char code : new char[] { 'S', 'V', 'C', 'M', 'D', 'W' }) {
                    if (code <= 'M' || rnd.nextBoolean()) {
                        f.add(new Field(Kind.INT8, new byte[] { (byte) code }));
                        f.add(cstr(switch (code) {
                            case 'S', 'V' -> type == 'E' ? "ERROR" : "NOTICE"; // PostgreSQL closes after a FATAL
                            case 'C' -> pick(new String[] { "42P01", "57014", "XX000" });
                            default -> "hostile " + rnd.nextInt(100);
                        }));
                    }
                }
                f.add(new Field(Kind.INT8, new byte[] { 0 }));
            }
            case 'A' -> {
                f.add(int32(rnd.nextInt()));
                f.add(cstr("chan"));
                f.add(cstr("payload " + rnd.nextInt(100)));
            }
            case 'S' -> {
                f.add(cstr(pick(new String[] { "application_name", "TimeZone", "server_version" })));
                f.add(cstr("v" + rnd.nextInt(100)));
            }
            case 'K' -> {
                f.add(int32(rnd.nextInt()));
                f.add(new Field(Kind.BYTES, randomBytes(4)));
            }
            case 'Z' -> f.add(new Field(Kind.INT8, new byte[] { (byte) "ITE".charAt(rnd.nextInt(3)) }));
            case 'H', 'G' -> {
                int n = 1 + rnd.nextInt(3);
                f.add(new Field(Kind.INT8, new byte[] { 0 }));
                f.add(count(n));
                for (int i = 0; i < n; i++) {
                    f.add(int16(0));
                }
            }
            case 'd' -> f.add(new Field(Kind.BYTES, (rnd.nextInt(1000) + "\t" + rnd.nextInt(1000) + "\n")
                    .getBytes(StandardCharsets.UTF_8)));
            case 't' -> {
                int n = rnd.nextInt(3);
                f.add(count(n));
                for (int i = 0; i < n; i++) {
                    f.add(int32(23));
                }
            }
            case 'R' -> f.add(int32(0));
            case 'v' -> {
                f.add(int32(0));
                f.add(int32(1));
                f.add(cstr("_pq_.x"));
            }
            case 'V' -> {
                f.add(new Field(Kind.LEN32, ByteBuffer.allocate(4).putInt(2).array()));
                f.add(new Field(Kind.BYTES, new byte[] { '4', '2' }));
            }
            default -> {
                // c (CopyDone), 1 2 3 (Parse/Bind/CloseComplete), n (NoData), I (EmptyQuery), s (PortalSuspended)
            }
        }
        return new Msg((byte) type, f);
    }

    /** A StartupMessage with the given parameters plus, sometimes, odd ones. */
    public Msg startup(String user, String database) {
        List<Field> f = new ArrayList<>();
        int version = rnd.nextInt(6) == 0 ? pick(new int[] { 2 << 16, (3 << 16) | 2, (4 << 16), rnd.nextInt() })
                : 3 << 16;
        f.add(int32(version));
        f.add(cstr("user"));
        f.add(cstr(user));
        f.add(cstr("database"));
        f.add(cstr(database));
        if (rnd.nextInt(4) == 0) {
            String[] extra = { "application_name", "options", "_pq_.fuzz", "replication", "client_encoding", "DateStyle" };
            f.add(cstr(extra[rnd.nextInt(extra.length)]));
            f.add(cstr(rnd.nextBoolean() ? "true" : new String(randomBytes(6), StandardCharsets.ISO_8859_1)));
        }
        f.add(cstr(""));
        return new Msg((byte) 0, f);
    }

    public Msg sslRequest() {
        return new Msg((byte) 0, List.of(int32(rnd.nextInt(5) == 0 ? 80877104 : 80877103)));
    }

    public Msg cancelRequest() {
        List<Field> f = new ArrayList<>();
        f.add(int32(80877102));
        f.add(int32(rnd.nextInt()));
        f.add(new Field(Kind.BYTES, randomBytes(rnd.nextInt(4) == 0 ? 4 + rnd.nextInt(253) : 4)));
        return new Msg((byte) 0, f);
    }

    /** A password message: the token as cleartext, or the SASL shapes the gateway never asks for. */
    public Msg password(String token) {
        List<Field> f = new ArrayList<>();
        switch (rnd.nextInt(4)) {
            case 0 -> {
                f.add(cstr("SCRAM-SHA-256"));
                byte[] data = "n,,n=,r=fuzznonce".getBytes(StandardCharsets.US_ASCII);
                f.add(new Field(Kind.LEN32, ByteBuffer.allocate(4).putInt(data.length).array()));
                f.add(new Field(Kind.BYTES, data));
            }
            case 1 -> f.add(new Field(Kind.BYTES, randomBytes(rnd.nextInt(30))));
            default -> f.add(cstr(token));
        }
        return new Msg((byte) 'p', f);
    }

    // ---- encoding and mutation ----

    public static byte[] encode(Msg m) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        for (Field f : m.fields()) {
            body.writeBytes(f.bytes());
        }
        return frame(m.type(), body.toByteArray(), HONEST);
    }

    private static final int HONEST = Integer.MIN_VALUE;

    /** @param declared the length field to write, or {@link #HONEST} */
    private static byte[] frame(byte type, byte[] body, int declared) {
        int header = type != 0 ? 5 : 4;
        ByteBuffer b = ByteBuffer.allocate(header + body.length);
        if (type != 0) {
            b.put(type);
        }
        b.putInt(declared == HONEST ? body.length + 4 : declared);
        return b.put(body).array();
    }

    public Frame plain(Msg m) {
        return new Frame(encode(m), Mutation.NONE, (char) m.type());
    }

    /** Three times in four a structural mutation, else a content one. */
    public boolean structuralOrContent() {
        return rnd.nextInt(4) != 0;
    }

    /** The same message with its values changed but its layout intact. */
    public Frame content(Msg m) {
        List<Field> out = new ArrayList<>(m.fields().size());
        for (Field f : m.fields()) {
            if (rnd.nextInt(3) != 0) {
                out.add(f);
                continue;
            }
            out.add(switch (f.kind()) {
                case CSTRING -> {
                    byte[] s = f.bytes().clone();
                    for (int i = 0; i < s.length - 1 && rnd.nextInt(3) == 0; i++) {
                        s[rnd.nextInt(s.length - 1)] = (byte) (1 + rnd.nextInt(255));
                    }
                    yield new Field(Kind.CSTRING, s);
                }
                case INT16 -> int16(rnd.nextInt(65536));
                case INT32 -> m.typed() ? int32(rnd.nextInt()) : f; // a startup packet's version stays
                case BYTES -> new Field(Kind.BYTES, randomBytes(f.bytes().length)); // its length field still holds
                default -> f;
            });
        }
        return new Frame(encode(new Msg(m.type(), out)), Mutation.CONTENT, (char) m.type());
    }

    /** The message broken in one of the ways a hostile or buggy client breaks it. */
    public Frame structural(Msg m) {
        Mutation how = Mutation.values()[2 + rnd.nextInt(Mutation.values().length - 2)];
        byte[] honest = encode(m);
        int header = m.typed() ? 5 : 4;
        byte[] body = java.util.Arrays.copyOfRange(honest, header, honest.length);
        byte[] bytes = switch (how) {
            case LENGTH_LIES -> {
                int lie = switch (rnd.nextInt(4)) {
                    case 0 -> body.length + 4 - 1 - rnd.nextInt(Math.max(1, body.length + 4));
                    case 1 -> body.length + 4 + 1 + rnd.nextInt(64);
                    case 2 -> rnd.nextInt(4);
                    default -> rnd.nextInt();
                };
                yield frame(m.type(), body, lie);
            }
            case COUNT_LIES -> {
                List<Field> out = new ArrayList<>(m.fields());
                List<Integer> counts = new ArrayList<>();
                for (int i = 0; i < out.size(); i++) {
                    if (out.get(i).kind() == Kind.COUNT16 || out.get(i).kind() == Kind.LEN32) {
                        counts.add(i);
                    }
                }
                if (counts.isEmpty()) {
                    yield frame(m.type(), body, body.length + 5);
                }
                int i = counts.get(rnd.nextInt(counts.size()));
                Field f = out.get(i);
                int v = f.kind() == Kind.COUNT16 ? ByteBuffer.wrap(f.bytes()).getShort() & 0xffff
                        : ByteBuffer.wrap(f.bytes()).getInt();
                int lie = pick(new int[] { v + 1, v + 1 + rnd.nextInt(100), Math.max(0, v - 1), 0xffff, -2, rnd.nextInt() });
                out.set(i, f.kind() == Kind.COUNT16 ? new Field(Kind.COUNT16, ByteBuffer.allocate(2).putShort((short) lie).array())
                        : new Field(Kind.LEN32, ByteBuffer.allocate(4).putInt(lie).array()));
                yield encode(new Msg(m.type(), out));
            }
            case TRUNCATED -> frame(m.type(), java.util.Arrays.copyOf(body, body.length == 0 ? 0 : rnd.nextInt(body.length)), HONEST);
            case NUL_LESS -> {
                List<Field> out = new ArrayList<>(m.fields());
                List<Integer> strings = new ArrayList<>();
                for (int i = 0; i < out.size(); i++) {
                    if (out.get(i).kind() == Kind.CSTRING) {
                        strings.add(i);
                    }
                }
                if (strings.isEmpty()) {
                    yield frame(m.type(), concat(body, randomBytes(1 + rnd.nextInt(4))), HONEST);
                }
                int i = strings.get(rnd.nextInt(strings.size()));
                byte[] s = out.get(i).bytes();
                byte[] cut = rnd.nextBoolean() ? java.util.Arrays.copyOf(s, s.length - 1) : s.clone();
                if (cut.length == s.length) {
                    cut[cut.length - 1] = (byte) (1 + rnd.nextInt(255));
                }
                out.set(i, new Field(Kind.BYTES, cut));
                // Often the last field: drop everything after it too, so no later NUL rescues it.
                if (rnd.nextBoolean()) {
                    out = out.subList(0, i + 1);
                }
                yield encode(new Msg(m.type(), out));
            }
            case FLIPPED -> {
                byte[] b = honest.clone();
                for (int k = 1 + rnd.nextInt(3); k > 0; k--) {
                    int at = rnd.nextInt(b.length);
                    b[at] ^= (byte) (1 << rnd.nextInt(8));
                }
                yield b;
            }
            case TRAILING_BYTES -> frame(m.type(), concat(body, randomBytes(1 + rnd.nextInt(16))), HONEST);
            case OVERSIZE -> rnd.nextInt(4) == 0
                    // a large but legal frame: the gateway must read it whole, then judge it
                    ? frame(m.type(), concat(body, randomBytes(32_768 + rnd.nextInt(65_536))), HONEST)
                    : frame(m.type(), java.util.Arrays.copyOf(body, Math.min(body.length, 16)),
                            maxMessageSize + 1 + rnd.nextInt(Integer.MAX_VALUE - maxMessageSize - 1));
            case TYPE_SWAPPED -> {
                byte[] b = honest.clone();
                if (m.typed()) {
                    b[0] = (byte) ALL_FRONTEND.charAt(rnd.nextInt(ALL_FRONTEND.length()));
                } else {
                    ByteBuffer.wrap(b).putInt(4, pick(new int[] { 80877102, 80877103, 80877104, 3 << 16, rnd.nextInt() }));
                }
                yield b;
            }
            default -> {
                byte[] r = randomBytes(rnd.nextInt(64));
                yield m.typed() ? frame((byte) rnd.nextInt(256), r, rnd.nextInt(8) == 0 ? rnd.nextInt() : HONEST)
                        : frame((byte) 0, r, rnd.nextInt(8) == 0 ? rnd.nextInt() : HONEST);
            }
        };
        return new Frame(bytes, how, (char) m.type());
    }

    // ---- field helpers ----

    private String sql() {
        return SQL[rnd.nextInt(SQL.length)];
    }

    private String name() {
        return rnd.nextInt(10) == 0 ? "n" + rnd.nextInt(1000) : NAMES[rnd.nextInt(NAMES.length)];
    }

    private String pick(String[] choices) {
        return choices[rnd.nextInt(choices.length)];
    }

    private int pick(int[] choices) {
        return choices[rnd.nextInt(choices.length)];
    }

    private byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        rnd.nextBytes(b);
        return b;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static Field cstr(String s) {
        return new Field(Kind.CSTRING, RawPgClient.cstr(s));
    }

    private static Field count(int n) {
        return new Field(Kind.COUNT16, ByteBuffer.allocate(2).putShort((short) n).array());
    }

    private static Field int16(int v) {
        return new Field(Kind.INT16, ByteBuffer.allocate(2).putShort((short) v).array());
    }

    private static Field int32(int v) {
        return new Field(Kind.INT32, ByteBuffer.allocate(4).putInt(v).array());
    }
}
