package dev.pgwarden.identity;

import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Reads the groups out of an already verified JWT. IdPs put them in different places (Keycloak:
 * {@code realm_access/roles}, Okta: {@code groups}, Entra: {@code groups} or {@code roles}), so the
 * path is configurable; a string value is split on commas and spaces.
 */
public final class GroupsClaim {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final String[] path;

    public GroupsClaim(String claimPath) {
        this.path = claimPath.split("/");
    }

    public Set<String> read(String verifiedJwt) {
        JsonNode node = payload(verifiedJwt);
        for (String segment : path) {
            node = node == null ? null : node.get(segment);
        }
        Set<String> groups = new LinkedHashSet<>();
        if (node == null || node.isNull()) {
            return groups;
        }
        if (node.isArray()) {
            node.forEach(n -> {
                if (n.isTextual()) {
                    groups.add(stripPathPrefix(n.asText()));
                }
            });
        } else if (node.isTextual()) {
            for (String g : node.asText().split("[,\\s]+")) {
                if (!g.isBlank()) {
                    groups.add(stripPathPrefix(g));
                }
            }
        }
        return groups;
    }

    /** Keycloak's group mapper emits "/analysts" when full paths are on. */
    private static String stripPathPrefix(String g) {
        return g.startsWith("/") ? g.substring(1) : g;
    }

    static JsonNode payload(String jwt) {
        String[] parts = jwt.split("\\.");
        if (parts.length < 2) {
            throw new IllegalArgumentException("not a JWT");
        }
        try {
            return JSON.readTree(Base64.getUrlDecoder().decode(parts[1]));
        } catch (Exception e) {
            throw new IllegalArgumentException("unreadable JWT payload");
        }
    }
}
