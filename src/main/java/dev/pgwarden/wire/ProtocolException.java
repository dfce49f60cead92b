package dev.pgwarden.wire;

/** A peer sent bytes that are not valid protocol v3; carries the SQLSTATE to report. */
public class ProtocolException extends RuntimeException {
    private final String sqlState;

    public ProtocolException(String sqlState, String message) {
        super(message);
        this.sqlState = sqlState;
    }

    public ProtocolException(String message) {
        this(SqlState.PROTOCOL_VIOLATION, message);
    }

    public String sqlState() {
        return sqlState;
    }
}
