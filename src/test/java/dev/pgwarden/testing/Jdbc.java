package dev.pgwarden.testing;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.Properties;

/**
 * Opens pgjdbc connections without DriverManager: under Quarkus' test class loaders the driver
 * registered by one loader is invisible to another ("No suitable driver").
 */
public final class Jdbc {
    private static final org.postgresql.Driver DRIVER = new org.postgresql.Driver();

    private Jdbc() {
    }

    public static Connection connect(String url, Properties props) throws SQLException {
        Connection c = DRIVER.connect(url, props);
        if (c == null) {
            throw new SQLException("not a PostgreSQL JDBC URL: " + url);
        }
        return c;
    }

    /** Every row's first value, as text (null for SQL NULL). */
    public static List<String> firstColumn(ResultSet rs) throws SQLException {
        List<String> out = new ArrayList<>();
        while (rs.next()) {
            out.add(rs.getString(1));
        }
        return out;
    }

    /**
     * Runs {@code sql} and returns the first column; an SQLException comes out as the cause of a
     * CompletionException, so this can run in {@code CompletableFuture.supplyAsync} while a test
     * decides an approval.
     */
    public static List<String> firstColumn(Statement st, String sql) {
        try (ResultSet rs = st.executeQuery(sql)) {
            return firstColumn(rs);
        } catch (SQLException e) {
            throw new CompletionException(e);
        }
    }
}
