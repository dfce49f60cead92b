package dev.pgwarden.policy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Pattern;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

/** Reads and validates a policy YAML file. */
public final class PolicyLoader {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    // A role name is quoted when used, but keep it to plain identifiers so configuration mistakes show early.
    private static final Pattern ROLE_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_$-]{0,62}");

    private PolicyLoader() {
    }

    public static Policy load(Path file) throws PolicyException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new PolicyException("cannot read policy file " + file + ": " + e.getMessage(), e);
        }
        return parse(bytes, file.toString());
    }

    public static Policy parse(byte[] bytes, String source) throws PolicyException {
        JsonNode root;
        try {
            root = YAML.readTree(bytes);
        } catch (JsonProcessingException e) {
            int line = e.getLocation() == null ? -1 : e.getLocation().getLineNr();
            throw new PolicyException(source + ":" + line + ": invalid YAML: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new PolicyException(source + ": " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new PolicyException(source + ": the policy must be a YAML mapping");
        }
        return new Policy(roles(root.get("roles"), source), sha256(bytes));
    }

    private static List<RoleMapping> roles(JsonNode node, String source) throws PolicyException {
        List<RoleMapping> roles = new ArrayList<>();
        if (node == null) {
            return roles;
        }
        if (!node.isArray()) {
            throw new PolicyException(source + ": 'roles' must be a list of {group, role}");
        }
        int i = 0;
        for (JsonNode entry : node) {
            String where = source + ": roles[" + i++ + "]";
            String group = text(entry, "group", where);
            String role = text(entry, "role", where);
            if (!ROLE_NAME.matcher(role).matches()) {
                throw new PolicyException(where + ": '" + role + "' is not a valid role name");
            }
            roles.add(new RoleMapping(group, role));
        }
        return List.copyOf(roles);
    }

    private static String text(JsonNode entry, String field, String where) throws PolicyException {
        JsonNode v = entry.get(field);
        if (v == null || !v.isTextual() || v.asText().isBlank()) {
            throw new PolicyException(where + ": '" + field + "' is required");
        }
        return v.asText();
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes)).substring(0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
