package dev.pgwarden.redteam;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

/** The red-team corpus, {@code src/test/resources/redteam/corpus.yaml}. */
final class Corpus {
    enum Door { TEXT, STREAM, WRITE, GUESS }

    enum Client { SIMPLE, BINARY, PSQL }

    /** One statement of the corpus (see the file's header for the fields). */
    record Entry(String id, Door door, String sql, String group, List<Client> clients, String probe,
            String sessionProbe) {
        Entry {
            group = group == null ? "analysts" : group;
            clients = clients == null ? List.of(Client.values()) : clients;
        }

        String role() {
            return group.equals("support") ? "support_ro" : "analyst_ro";
        }

        @Override
        public String toString() {
            return id;
        }
    }

    private Corpus() {
    }

    static List<Entry> load() {
        ObjectMapper yaml = JsonMapper.builder(new YAMLFactory())
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(MapperFeature.ACCEPT_CASE_INSENSITIVE_ENUMS)
                .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE).build();
        try (InputStream in = Corpus.class.getResourceAsStream("/redteam/corpus.yaml")) {
            return yaml.readValue(in, new TypeReference<List<Entry>>() {
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
