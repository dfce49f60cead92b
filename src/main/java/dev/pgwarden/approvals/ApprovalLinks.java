package dev.pgwarden.approvals;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/** Where a request is reviewed in the console (cards link here). */
public final class ApprovalLinks {
    public static final String CONSOLE_PAGE = "/console/approvals.html?id=";

    private ApprovalLinks() {
    }

    /** Absolute when the gateway's public URL is configured, else relative to the gateway. */
    public static String page(Optional<String> publicUrl, String id) {
        String base = publicUrl.map(u -> u.endsWith("/") ? u.substring(0, u.length() - 1) : u).orElse("");
        return base + CONSOLE_PAGE + URLEncoder.encode(id, StandardCharsets.UTF_8);
    }
}
