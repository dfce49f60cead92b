package dev.pgwarden.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Creates the test database and applies {@code fixture/init.sql} to it. */
final class FixtureSchema {

    static final String RESOURCE = "/fixture/init.sql";
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{([A-Z0-9_]+)}}");

    private FixtureSchema() {
    }

    /** The init script with every {{NAME}} replaced by the quoted literal of {@code values.get(NAME)}. */
    static String render(Map<String, String> values) {
        Matcher m = PLACEHOLDER.matcher(load());
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String value = values.get(m.group(1));
            if (value == null) {
                throw new IllegalStateException(RESOURCE + " uses unknown placeholder " + m.group());
            }
            m.appendReplacement(out, Matcher.quoteReplacement(literal(value)));
        }
        m.appendTail(out);
        return out.toString();
    }

    /** Runs the whole script in one transaction, so a broken script leaves no half-made roles behind. */
    static void apply(Connection connection, String script) throws SQLException {
        connection.setAutoCommit(false);
        try (Statement statement = connection.createStatement()) {
            statement.execute(script);
            connection.commit();
        } catch (SQLException e) {
            connection.rollback();
            // The message never contains the script itself (it carries passwords), only the server error.
            throw new SQLException(RESOURCE + " failed: " + e.getMessage(), e.getSQLState(), e);
        } finally {
            connection.setAutoCommit(true);
        }
    }

    static String literal(String value) {
        return "'" + value.replace("'", "''") + "'";
    }

    static String identifier(String name) {
        return "\"" + name.replace("\"", "\"\"") + "\"";
    }

    private static String load() {
        try (InputStream in = FixtureSchema.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("test resource " + RESOURCE + " not found on the classpath");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + RESOURCE, e);
        }
    }
}
