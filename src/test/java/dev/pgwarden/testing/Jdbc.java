package dev.pgwarden.testing;

import java.sql.Connection;
import java.sql.SQLException;
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
}
