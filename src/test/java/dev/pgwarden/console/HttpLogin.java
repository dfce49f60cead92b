package dev.pgwarden.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.CookieManager;
import java.net.HttpCookie;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.pgwarden.testing.GatewayTestResource;

/**
 * A cookie-keeping HTTP client that logs in to the console the way a browser does (redirect to the
 * issuer, its form, back with the code), one hop at a time so tests can look at every step.
 */
final class HttpLogin {
    private static final Pattern HIDDEN = Pattern.compile("<input type=\"hidden\" name=\"([^\"]+)\" value=\"([^\"]*)\">");

    final CookieManager cookies = new CookieManager();
    final HttpClient http = HttpClient.newBuilder().cookieHandler(cookies)
            .followRedirects(HttpClient.Redirect.NEVER).build();
    private final URI gateway;

    HttpLogin(URI gateway) {
        this.gateway = gateway;
    }

    HttpResponse<String> get(String pathOrUrl, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(resolve(pathOrUrl));
        if (headers.length > 0) {
            b.headers(headers);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> post(String pathOrUrl, String contentType, String body, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(resolve(pathOrUrl)).header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (headers.length > 0) {
            b.headers(headers);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    URI resolve(String pathOrUrl) {
        return pathOrUrl.startsWith("http") ? URI.create(pathOrUrl) : gateway.resolve(pathOrUrl);
    }

    static String location(HttpResponse<?> r) {
        assertTrue(r.statusCode() == 302 || r.statusCode() == 303, "expected a redirect, got " + r.statusCode());
        return r.headers().firstValue("Location").orElseThrow();
    }

    /** Opens {@code page}, logs in through the issuer's form, and returns the page reached afterwards. */
    HttpResponse<String> login(String page, String user) throws Exception {
        return login(page, user, GatewayTestResource.issuer().issuer());
    }

    /** As above, at the issuer {@code issuer} the gateway trusts. */
    HttpResponse<String> login(String page, String user, String issuer) throws Exception {
        String authorize = location(get(page));
        assertTrue(authorize.startsWith(issuer + "/authorize?"), authorize);
        HttpResponse<String> form = get(authorize);
        assertEquals(200, form.statusCode(), form.body());
        Map<String, String> fields = new LinkedHashMap<>();
        for (Matcher m = HIDDEN.matcher(form.body()); m.find();) {
            fields.put(m.group(1), unescape(m.group(2)));
        }
        fields.put("username", user);
        fields.put("password", GatewayTestResource.password(user));
        String callback = location(post(issuer + "/authorize",
                "application/x-www-form-urlencoded", form(fields)));
        String landing = location(get(callback));
        return get(landing);
    }

    boolean hasCookie(String prefix) {
        return cookies.getCookieStore().getCookies().stream().map(HttpCookie::getName).anyMatch(n -> n.startsWith(prefix));
    }

    static String form(Map<String, String> fields) {
        StringBuilder sb = new StringBuilder();
        fields.forEach((k, v) -> sb.append(sb.length() == 0 ? "" : "&").append(URLEncoder.encode(k, StandardCharsets.UTF_8))
                .append('=').append(URLEncoder.encode(v, StandardCharsets.UTF_8)));
        return sb.toString();
    }

    private static String unescape(String html) {
        return html.replace("&quot;", "\"").replace("&#39;", "'").replace("&lt;", "<").replace("&gt;", ">")
                .replace("&amp;", "&");
    }
}
