package dev.pgwarden.policy;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;

/**
 * Reads YAML into a small tree that remembers the line of every node ({@code readTree} forgets locations, and
 * a policy error that does not say where is a policy error nobody can fix).
 */
final class YamlTree {
    private static final YAMLFactory FACTORY = new YAMLFactory();

    private YamlTree() {
    }

    sealed interface Node permits YamlMap, YamlList, YamlScalar {
        int line();

        /** "a mapping", "a list", "a string", ... for error messages. */
        String describe();
    }

    record Entry(String key, int line, Node value) {
    }

    record YamlMap(int line, Map<String, Entry> entries) implements Node {
        @Override
        public String describe() {
            return "a mapping";
        }
    }

    record YamlList(int line, List<Node> items) implements Node {
        @Override
        public String describe() {
            return "a list";
        }
    }

    /** A scalar; {@code text} is the value as written (also for null: "null", "~" or ""). */
    record YamlScalar(int line, JsonToken token, String text) implements Node {
        @Override
        public String describe() {
            return switch (token) {
                case VALUE_STRING -> "a string";
                case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "a number";
                case VALUE_TRUE, VALUE_FALSE -> "a boolean";
                default -> "an empty value";
            };
        }
    }

    /** The single document in {@code bytes}, or null if there is none. */
    static Node read(byte[] bytes, String source) throws PolicyException {
        try (JsonParser p = FACTORY.createParser(bytes)) {
            if (p.nextToken() == null) {
                return null;
            }
            Node root = value(p, source);
            if (p.nextToken() != null) {
                throw new PolicyException(source + ":" + line(p) + ": only one YAML document is allowed");
            }
            return root;
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            throw new PolicyException(source + ":" + (at == null ? 1 : at.getLineNr()) + ": invalid YAML: "
                    + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new PolicyException(source + ": " + e.getMessage(), e);
        }
    }

    private static Node value(JsonParser p, String source) throws IOException, PolicyException {
        int line = line(p);
        JsonToken t = p.currentToken();
        if (p instanceof YAMLParser yaml && yaml.isCurrentAlias()) {
            throw new PolicyException(source + ":" + line + ": YAML aliases (*" + p.getText()
                    + ") are not supported; write the value out");
        }
        switch (t) {
            case START_OBJECT -> {
                Map<String, Entry> entries = new LinkedHashMap<>();
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String key = p.currentName();
                    int keyLine = line(p);
                    if (entries.containsKey(key)) {
                        throw new PolicyException(source + ":" + keyLine + ": duplicate key '" + key + "'");
                    }
                    p.nextToken();
                    entries.put(key, new Entry(key, keyLine, value(p, source)));
                }
                return new YamlMap(line, entries);
            }
            case START_ARRAY -> {
                List<Node> items = new ArrayList<>();
                while (p.nextToken() != JsonToken.END_ARRAY) {
                    items.add(value(p, source));
                }
                return new YamlList(line, items);
            }
            default -> {
                return new YamlScalar(line, t, p.getText());
            }
        }
    }

    private static int line(JsonParser p) {
        return p.currentTokenLocation().getLineNr();
    }
}
