package dev.pgwarden.identity.dev;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

import com.sun.net.httpserver.HttpExchange;

/** The few HTTP chores the development issuer's endpoints share. */
final class DevHttp {
    private DevHttp() {
    }

    /** Query and (for POST) form parameters; the body wins. A repeated parameter is refused (RFC 6749 section 3.1). */
    static Map<String, String> parameters(HttpExchange ex) throws IOException {
        Map<String, String> params = parse(ex.getRequestURI().getRawQuery());
        if ("POST".equals(ex.getRequestMethod())) {
            params.putAll(parse(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8)));
        }
        return params;
    }

    static Map<String, String> parse(String form) {
        Map<String, String> out = new LinkedHashMap<>();
        if (form == null || form.isEmpty()) {
            return out;
        }
        for (String pair : form.split("&")) {
            int eq = pair.indexOf('=');
            String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            if (out.putIfAbsent(name, value) != null) {
                throw new IllegalArgumentException("parameter " + name + " is repeated");
            }
        }
        return out;
    }

    /** {@code base} with the parameters appended to its query. */
    static String withQuery(String base, Map<String, String> params) {
        StringBuilder sb = new StringBuilder(base);
        char sep = URI.create(base).getRawQuery() == null ? '?' : '&';
        for (var e : params.entrySet()) {
            if (e.getValue() == null) {
                continue;
            }
            sb.append(sep).append(URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8)).append('=')
                    .append(URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8));
            sep = '&';
        }
        return sb.toString();
    }

    static void redirect(HttpExchange ex, String location) throws IOException {
        ex.getResponseHeaders().set("Location", location);
        ex.getResponseHeaders().set("Cache-Control", "no-store");
        ex.sendResponseHeaders(302, -1);
        ex.close();
    }

    static void respond(HttpExchange ex, int status, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", type);
        ex.getResponseHeaders().set("Cache-Control", "no-store");
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    /** An HTML page that runs no script and cannot be framed. */
    static void page(HttpExchange ex, int status, String html) throws IOException {
        page(ex, status, html, null);
    }

    /**
     * As above; {@code formRedirectOrigin} is where the page's form submission may end up: browsers
     * apply form-action to the redirects that follow a submission too.
     */
    static void page(HttpExchange ex, int status, String html, String formRedirectOrigin) throws IOException {
        String formAction = "'self'" + (formRedirectOrigin == null ? "" : " " + formRedirectOrigin);
        ex.getResponseHeaders().set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; "
                + "form-action " + formAction + "; frame-ancestors 'none'; base-uri 'none'");
        ex.getResponseHeaders().set("X-Frame-Options", "DENY");
        respond(ex, status, "text/html; charset=utf-8", html);
    }

    /** scheme://host[:port] of an absolute URI. */
    static String origin(String uri) {
        URI u = URI.create(uri);
        return u.getScheme() + "://" + u.getRawAuthority();
    }

    static String escapeHtml(String s) {
        return dev.pgwarden.console.Html.escape(s);
    }

    /** A JSON string literal (the issuer builds its few JSON answers by hand). */
    static String jsonString(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }
}
