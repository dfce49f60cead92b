package dev.pgwarden.identity.dev;

import static dev.pgwarden.identity.dev.DevHttp.escapeHtml;

import java.util.Map;

/** The issuer's login form and its error page; every value is escaped, no script runs. */
final class LoginPage {
    private LoginPage() {
    }

    /** The form posts back to the authorization endpoint with the request's parameters as hidden fields. */
    static String form(Map<String, String> request, String error) {
        StringBuilder hidden = new StringBuilder();
        for (String name : AuthorizationRequest.PARAMETERS) {
            String value = request.get(name);
            if (value != null) {
                hidden.append("<input type=\"hidden\" name=\"").append(escapeHtml(name)).append("\" value=\"")
                        .append(escapeHtml(value)).append("\">\n");
            }
        }
        return page("Log in", (error == null ? "" : "<p class=\"error\" role=\"alert\">" + escapeHtml(error) + "</p>\n")
                + "<form method=\"post\" action=\"/authorize\">\n" + hidden
                + "<label>Username <input id=\"username\" name=\"username\" autocomplete=\"username\" autofocus required></label>\n"
                + "<label>Password <input id=\"password\" name=\"password\" type=\"password\" autocomplete=\"current-password\" required></label>\n"
                + "<button id=\"login\" type=\"submit\">Log in</button>\n</form>\n");
    }

    static String message(String title, String text) {
        return page(title, "<p>" + escapeHtml(text) + "</p>\n");
    }

    private static String page(String title, String body) {
        return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + escapeHtml(title)
                + " - pgwarden development issuer</title>\n<style>body{font-family:sans-serif;max-width:24em;margin:4em auto}"
                + "label{display:block;margin:.6em 0}input{display:block;width:100%}.error{color:#a00}"
                + ".warn{color:#666;font-size:.85em}</style></head>\n<body>\n<h1>" + escapeHtml(title) + "</h1>\n"
                + body + "<p class=\"warn\">pgwarden development issuer: for demos and tests only.</p>\n</body></html>\n";
    }
}
