package dev.pgwarden.testing;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * A Teams Workflows webhook on 127.0.0.1: {@code POST /workflows/<id>/triggers/manual/paths/invoke}
 * with the {@code sig=} secret in the query string, answering 202 Accepted for a JSON message with
 * an Adaptive Card attachment, 401 for a wrong {@code sig}, 400 for anything else. Records every
 * accepted message; can be told to answer an error status.
 */
public final class FakeTeamsWebhook implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PATH = "/workflows/4f1c0e2a9b7d4c55/triggers/manual/paths/invoke";

    private final HttpServer server;
    private final String sig;
    private final List<JsonNode> messages = new CopyOnWriteArrayList<>();
    private final AtomicInteger failWith = new AtomicInteger();

    private FakeTeamsWebhook(HttpServer server, String sig) {
        this.server = server;
        this.sig = sig;
    }

    public static FakeTeamsWebhook start(String sig) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        FakeTeamsWebhook teams = new FakeTeamsWebhook(server, sig);
        server.createContext(PATH, teams::handle);
        server.setExecutor(Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "fake-teams");
            t.setDaemon(true);
            return t;
        }));
        server.start();
        return teams;
    }

    /** The webhook URL as Workflows shows it, secret included. */
    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + PATH
                + "?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=" + sig;
    }

    public List<JsonNode> messages() {
        return List.copyOf(messages);
    }

    /** The next post is answered with this status. */
    public void failNext(int status) {
        failWith.set(status);
    }

    public List<JsonNode> await(int count, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (messages.size() < count) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("expected " + count + " Teams messages, got " + messages);
            }
            Thread.sleep(20);
        }
        return messages();
    }

    @Override
    public void close() {
        server.stop(0);
    }

    private void handle(HttpExchange ex) throws IOException {
        byte[] body = ex.getRequestBody().readAllBytes();
        int fail = failWith.getAndSet(0);
        String query = ex.getRequestURI().getRawQuery();
        if (!"POST".equals(ex.getRequestMethod())) {
            send(ex, 405, "{\"error\":{\"code\":\"MethodNotAllowed\"}}");
        } else if (query == null || !List.of(query.split("&")).contains("sig=" + sig)) {
            send(ex, 401, "{\"error\":{\"code\":\"DirectApiAuthorizationRequired\"}}");
        } else if (fail != 0) {
            send(ex, fail, "{\"error\":{\"code\":\"WorkflowTriggerIsNotEnabled\"}}");
        } else {
            JsonNode message;
            try {
                message = JSON.readTree(body);
            } catch (IOException e) {
                send(ex, 400, "{\"error\":{\"code\":\"InvalidRequestContent\"}}");
                return;
            }
            JsonNode attachment = message.path("attachments").path(0);
            if (!"message".equals(message.path("type").asText())
                    || !"application/vnd.microsoft.card.adaptive".equals(attachment.path("contentType").asText())
                    || !"AdaptiveCard".equals(attachment.path("content").path("type").asText())) {
                send(ex, 400, "{\"error\":{\"code\":\"InvalidRequestContent\"}}");
                return;
            }
            messages.add(message);
            send(ex, 202, "");
        }
    }

    private static void send(HttpExchange ex, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        if (bytes.length > 0) {
            try (OutputStream os = ex.getResponseBody()) {
                os.write(bytes);
            }
        } else {
            ex.close();
        }
    }
}
