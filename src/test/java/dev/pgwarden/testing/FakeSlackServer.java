package dev.pgwarden.testing;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * Slack's Web API on 127.0.0.1, as slack-api-client calls it: form-encoded POSTs to
 * {@code /api/<method>} with {@code Authorization: Bearer <token>}, answered with Slack-shaped JSON
 * ({@code ok}, {@code error}, {@code channel}, {@code ts}, {@code message}). Speaks
 * {@code chat.postMessage}, {@code chat.update} and {@code users.info}, plus {@code response_url}
 * endpoints under {@code /actions/}. Every request is recorded; failures can be scripted.
 */
public final class FakeSlackServer implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * One request as received.
     *
     * @param method        the Web API method, or {@code response_url} for a reply to an interaction
     * @param authorization the Authorization header (null when absent)
     * @param contentType   the Content-Type header
     * @param params        form fields (Web API methods)
     * @param json          the JSON body ({@code response_url} posts), null otherwise
     * @param path          the request path
     */
    public record Request(String method, String authorization, String contentType, Map<String, String> params,
            JsonNode json, String path) {
        /** A form field holding JSON, such as {@code blocks}. */
        public JsonNode jsonParam(String name) {
            try {
                return JSON.readTree(params.get(name));
            } catch (IOException e) {
                throw new AssertionError(name + " is not JSON: " + params.get(name), e);
            }
        }
    }

    private record User(String id, String name, String email) {
    }

    private record Failure(int status, String error) {
    }

    /** How Slack fails during {@link #outage(Outage)}: every Web API call answers 500, or never answers. */
    public enum Outage {
        ERRORS, TIMEOUTS
    }

    private final HttpServer server;
    private final String token;
    private final Set<String> channels = ConcurrentHashMap.newKeySet();
    private final Map<String, User> users = new ConcurrentHashMap<>();
    private final Map<String, String> messages = new ConcurrentHashMap<>();
    private final List<String> posted = new CopyOnWriteArrayList<>();
    private final Map<String, Failure> failures = new ConcurrentHashMap<>();
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private final AtomicLong clock = new AtomicLong(1_700_000_000_000_100L);
    private volatile Outage outage;

    private FakeSlackServer(HttpServer server, String token) {
        this.server = server;
        this.token = token;
    }

    /** A server accepting {@code botToken}, knowing {@code channels}. */
    public static FakeSlackServer start(String botToken, String... channels) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        FakeSlackServer slack = new FakeSlackServer(server, botToken);
        slack.channels.addAll(List.of(channels));
        server.createContext("/api/", slack::method);
        server.createContext("/actions/", slack::responseUrl);
        // Cached: calls held unanswered during an outage must not starve the others.
        server.setExecutor(Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "fake-slack");
            t.setDaemon(true);
            return t;
        }));
        server.start();
        return slack;
    }

    /** The Web API base, for {@code pgwarden.slack.api-url}. */
    public String apiUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/api/";
    }

    /** A {@code response_url} as Slack hands out with each interaction. */
    public String responseUrl(String name) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/actions/T0PGWARDEN/1000000001/" + name;
    }

    public void addUser(String id, String name, String email) {
        users.put(id, new User(id, name, email));
    }

    /** The next call of {@code method} answers {@code ok:false} with this error code (HTTP 200, as Slack does). */
    public void failNext(String method, String error) {
        failures.put(method, new Failure(200, error));
    }

    /** The next call of {@code method} answers this HTTP status with a non-JSON body. */
    public void failNextWithStatus(String method, int status) {
        failures.put(method, new Failure(status, null));
    }

    /**
     * From now on every Web API call fails as {@code kind} says (it is still recorded), until
     * {@link #endOutage()}; a call held unanswered is dropped without an answer when the outage ends.
     */
    public void outage(Outage kind) {
        outage = kind;
    }

    public synchronized void endOutage() {
        outage = null;
        notifyAll();
    }

    /** {@code channel:ts} of every message posted, in order. */
    public List<String> posted() {
        return List.copyOf(posted);
    }

    public List<Request> requests() {
        return List.copyOf(requests);
    }

    public List<Request> requests(String method) {
        return requests.stream().filter(r -> r.method().equals(method)).toList();
    }

    /** Waits until {@code count} requests of {@code method} have arrived and returns them. */
    public List<Request> await(String method, int count, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (requests(method).size() < count) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("expected " + count + " " + method + " requests, got " + requests(method));
            }
            Thread.sleep(20);
        }
        return requests(method);
    }

    /** Waits for a request of {@code method} whose parameters mention {@code text} (another test's may come late). */
    public Request awaitMentioning(String method, String text, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            for (Request r : requests(method)) {
                if (r.toString().contains(text)) {
                    return r;
                }
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no " + method + " request mentions " + text + ": " + requests(method));
            }
            Thread.sleep(20);
        }
    }

    public void clear() {
        requests.clear();
        failures.clear();
    }

    @Override
    public void close() {
        server.stop(0);
    }

    private void method(HttpExchange ex) throws IOException {
        String method = ex.getRequestURI().getPath().substring("/api/".length());
        String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        String auth = ex.getRequestHeaders().getFirst("Authorization");
        Map<String, String> params = form(body);
        requests.add(new Request(method, auth, ex.getRequestHeaders().getFirst("Content-Type"), params, null,
                ex.getRequestURI().getPath()));
        Outage now = outage;
        if (now == Outage.ERRORS) {
            send(ex, 500, "text/html", "<html>internal server error</html>");
            return;
        }
        if (now == Outage.TIMEOUTS) {
            holdUntilOutageEnds();
            ex.close(); // no answer at all
            return;
        }
        Failure failure = failures.remove(method);
        if (failure != null && failure.status() != 200) {
            send(ex, failure.status(), "text/html", "<html>upstream error</html>");
            return;
        }
        ObjectNode out = JSON.createObjectNode();
        if (auth == null || !auth.startsWith("Bearer ")) {
            error(ex, out, "not_authed");
        } else if (!auth.substring("Bearer ".length()).equals(token)) {
            error(ex, out, "invalid_auth");
        } else if (failure != null) {
            error(ex, out, failure.error());
        } else {
            switch (method) {
                case "chat.postMessage" -> postMessage(ex, params, out);
                case "chat.update" -> update(ex, params, out);
                case "users.info" -> usersInfo(ex, params, out);
                default -> error(ex, out, "unknown_method");
            }
        }
    }

    private synchronized void holdUntilOutageEnds() {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (outage == Outage.TIMEOUTS && System.nanoTime() < deadline) {
            try {
                wait(1_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private void postMessage(HttpExchange ex, Map<String, String> p, ObjectNode out) throws IOException {
        String channel = p.get("channel");
        if (channel == null || channel.isEmpty()) {
            error(ex, out, "channel_not_found");
            return;
        }
        if (!channels.contains(channel)) {
            error(ex, out, "channel_not_found");
            return;
        }
        if (p.get("text") == null && p.get("blocks") == null) {
            error(ex, out, "no_text");
            return;
        }
        long t = clock.incrementAndGet();
        String ts = t / 1_000_000 + "." + String.format("%06d", t % 1_000_000);
        messages.put(channel + ":" + ts, p.getOrDefault("text", ""));
        posted.add(channel + ":" + ts);
        out.put("ok", true).put("channel", channel).put("ts", ts);
        ObjectNode message = out.putObject("message");
        message.put("type", "message").put("text", p.get("text")).put("ts", ts).put("bot_id", "B0PGWARDEN");
        if (p.get("blocks") != null) {
            message.set("blocks", JSON.readTree(p.get("blocks")));
        }
        send(ex, out);
    }

    private void update(HttpExchange ex, Map<String, String> p, ObjectNode out) throws IOException {
        String key = p.get("channel") + ":" + p.get("ts");
        if (!channels.contains(p.get("channel"))) {
            error(ex, out, "channel_not_found");
            return;
        }
        if (!messages.containsKey(key)) {
            error(ex, out, "message_not_found");
            return;
        }
        messages.put(key, p.getOrDefault("text", ""));
        out.put("ok", true).put("channel", p.get("channel")).put("ts", p.get("ts")).put("text", p.get("text"));
        send(ex, out);
    }

    private void usersInfo(HttpExchange ex, Map<String, String> p, ObjectNode out) throws IOException {
        User user = users.get(p.getOrDefault("user", ""));
        if (user == null) {
            error(ex, out, "user_not_found");
            return;
        }
        out.put("ok", true);
        ObjectNode u = out.putObject("user");
        u.put("id", user.id()).put("team_id", "T0PGWARDEN").put("name", user.name()).put("real_name", user.name());
        ObjectNode profile = u.putObject("profile").put("real_name", user.name()).put("display_name", user.name());
        if (user.email() != null) {
            profile.put("email", user.email());
        }
        send(ex, out);
    }

    private void responseUrl(HttpExchange ex) throws IOException {
        byte[] body = ex.getRequestBody().readAllBytes();
        JsonNode json;
        try {
            json = JSON.readTree(body);
        } catch (IOException e) {
            json = null;
        }
        requests.add(new Request("response_url", ex.getRequestHeaders().getFirst("Authorization"),
                ex.getRequestHeaders().getFirst("Content-Type"), Map.of(), json, ex.getRequestURI().getPath()));
        Failure failure = failures.remove("response_url");
        if (failure != null) {
            send(ex, failure.status() == 200 ? 404 : failure.status(), "text/plain",
                    failure.error() == null ? "error" : failure.error());
        } else if (json == null || !json.hasNonNull("text")) {
            send(ex, 400, "text/plain", "no_text");
        } else {
            send(ex, 200, "text/plain", "ok");
        }
    }

    private static Map<String, String> form(String body) {
        Map<String, String> params = new LinkedHashMap<>();
        if (body.isEmpty()) {
            return params;
        }
        for (String pair : body.split("&")) {
            int eq = pair.indexOf('=');
            String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            params.put(name, value);
        }
        return params;
    }

    private static void error(HttpExchange ex, ObjectNode out, String error) throws IOException {
        out.put("ok", false).put("error", error);
        send(ex, out);
    }

    private static void send(HttpExchange ex, ObjectNode out) throws IOException {
        send(ex, 200, "application/json; charset=utf-8", JSON.writeValueAsString(out));
    }

    private static void send(HttpExchange ex, int status, String contentType, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", contentType);
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream os = ex.getResponseBody()) {
            os.write(bytes);
        }
    }
}
