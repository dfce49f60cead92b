package dev.pgwarden.testing;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Properties;

/** How tests reach the gateway under test: pgjdbc connections and libpq targets with a token. */
public final class Gateway {
    private Gateway() {
    }

    public static String jdbcUrl(String extra) {
        return "jdbc:postgresql://127.0.0.1:" + GatewayTestResource.gatewayPort() + "/" + PostgresFixture.DATABASE
                + "?sslmode=disable" + (extra.isEmpty() ? "" : "&" + extra);
    }

    /** A pgjdbc connection as an analyst, with default driver settings. */
    public static Connection analyst() throws SQLException {
        return connect("agent-7", "", "analysts");
    }

    public static Connection connect(String subject, String urlOptions, String... groups) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", subject);
        p.setProperty("password", GatewayTestResource.token(subject, groups));
        return Jdbc.connect(jdbcUrl(urlOptions), p);
    }

    /** A psql/pgbench target for the gateway, the token as password. */
    public static PgTarget target(String subject, String... groups) {
        return new PgTarget("127.0.0.1", GatewayTestResource.gatewayPort(), subject, PostgresFixture.DATABASE,
                GatewayTestResource.token(subject, groups));
    }
}
