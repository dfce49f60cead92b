package dev.pgwarden.redteam;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLWarning;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.postgresql.util.PSQLException;
import org.postgresql.util.PSQLWarning;
import org.postgresql.util.ServerErrorMessage;

import dev.pgwarden.testing.ProcessResult;

/** Everything a client could read after running one statement: cells, errors, notices, notifications. */
final class Observation {
    final List<String> texts = new ArrayList<>();
    String sqlState;
    int rows;
    int longestValue;

    /** Runs {@code sql} on {@code c} and reads every result, warning and notification. */
    static Observation of(Connection c, String sql) {
        Observation o = new Observation();
        try (Statement st = c.createStatement()) {
            try {
                boolean resultSet = st.execute(sql);
                while (true) {
                    if (resultSet) {
                        try (ResultSet rs = st.getResultSet()) {
                            int n = rs.getMetaData().getColumnCount();
                            while (rs.next()) {
                                o.rows++;
                                for (int i = 1; i <= n; i++) {
                                    o.value(rs.getString(i));
                                }
                            }
                        }
                    } else if (st.getUpdateCount() == -1) {
                        break;
                    }
                    resultSet = st.getMoreResults();
                }
            } catch (SQLException e) {
                o.error(e);
            }
            o.warnings(st.getWarnings());
            o.warnings(c.getWarnings());
            PGNotification[] notes = c.unwrap(PGConnection.class).getNotifications(300);
            if (notes != null) {
                for (PGNotification n : notes) {
                    o.texts.add(n.getName() + ":" + n.getParameter());
                }
            }
        } catch (SQLException e) {
            o.error(e);
        }
        return o;
    }

    /** What psql printed (rows on stdout, errors, notices and notifications on stderr or stdout). */
    static Observation of(ProcessResult psql) {
        Observation o = new Observation();
        for (String line : psql.stdout().split("\n")) {
            if (line.startsWith("Asynchronous notification")) {
                o.texts.add(line);
            } else if (!line.isEmpty()) {
                o.rows++;
                o.value(line);
            }
        }
        o.texts.add(psql.stderr());
        int at = psql.stderr().indexOf("ERROR:  ");
        if (at >= 0 && psql.stderr().length() >= at + 13) {
            o.sqlState = psql.stderr().substring(at + 8, at + 13);
        }
        return o;
    }

    private void value(String v) {
        if (v != null) {
            texts.add(v);
            longestValue = Math.max(longestValue, v.length());
        }
    }

    private void error(SQLException e) {
        for (SQLException x = e; x != null; x = x.getNextException()) {
            if (sqlState == null) {
                sqlState = x.getSQLState();
            }
            texts.add(String.valueOf(x.getMessage()));
            if (x instanceof PSQLException p) {
                fields(p.getServerErrorMessage());
            }
        }
    }

    private void warnings(SQLWarning w) {
        for (; w != null; w = w.getNextWarning()) {
            texts.add(String.valueOf(w.getMessage()));
            if (w instanceof PSQLWarning p) {
                fields(p.getServerErrorMessage());
            }
        }
    }

    private void fields(ServerErrorMessage m) {
        if (m != null) {
            for (String f : new String[] { m.getMessage(), m.getDetail(), m.getHint(), m.getWhere(),
                    m.getInternalQuery() }) {
                if (f != null) {
                    texts.add(f);
                }
            }
        }
    }

    /** The first secret found in anything readable, or null. */
    String leaked(Collection<String> secrets) {
        for (String t : texts) {
            for (String s : secrets) {
                if (t.contains(s)) {
                    return s;
                }
            }
        }
        return null;
    }

    @Override
    public String toString() {
        String all = String.join(" | ", texts);
        return "sqlState=" + sqlState + ", rows=" + rows + ", longest=" + longestValue + ", text="
                + (all.length() > 600 ? all.substring(0, 600) + "..." : all);
    }
}
