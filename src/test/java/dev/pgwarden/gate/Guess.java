package dev.pgwarden.gate;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * One question about a masked value, asked with {@code ?} where the guess goes: as a prepared
 * statement with bound parameters (extended protocol), or with the guesses written in as literals
 * (simple protocol).
 *
 * @param technique what the guessing technique is
 * @param sql       the statement, {@code ?} for each guess
 * @param guesses   the values bound to the {@code ?}
 */
record Guess(String technique, String sql, List<String> guesses) {

    Guess(String technique, String sql, String... guesses) {
        this(technique, sql, List.of(guesses));
    }

    /** The statement with its guesses as SQL literals, for the simple protocol. */
    String inline() {
        StringBuilder out = new StringBuilder();
        int next = 0;
        for (char c : sql.toCharArray()) {
            if (c == '?') {
                out.append('\'').append(guesses.get(next++).replace("'", "''")).append('\'');
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    /** Runs it with bound parameters; every value of every row (update counts as one value). */
    List<String> prepared(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < guesses.size(); i++) {
                ps.setString(i + 1, guesses.get(i));
            }
            return ps.execute() ? rows(ps.getResultSet()) : List.of(String.valueOf(ps.getUpdateCount()));
        }
    }

    /** Runs it in the simple protocol's way: the text with its literals. */
    List<String> simple(Connection c) throws SQLException {
        try (Statement st = c.createStatement()) {
            return st.execute(inline()) ? rows(st.getResultSet()) : List.of(String.valueOf(st.getUpdateCount()));
        }
    }

    private static List<String> rows(ResultSet rs) throws SQLException {
        List<String> out = new ArrayList<>();
        try (rs) {
            int n = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                for (int i = 1; i <= n; i++) {
                    out.add(rs.getString(i));
                }
            }
        }
        return out;
    }

    @Override
    public String toString() {
        return technique;
    }
}
