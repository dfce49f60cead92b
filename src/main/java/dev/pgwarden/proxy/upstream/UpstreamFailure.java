package dev.pgwarden.proxy.upstream;

import dev.pgwarden.wire.SqlState;

/** The upstream connection could not be set up; the message is safe to show a client. */
public class UpstreamFailure extends RuntimeException {
    private final String sqlState;

    public UpstreamFailure(String message) {
        this(SqlState.CONNECTION_FAILURE, message);
    }

    public UpstreamFailure(String sqlState, String message) {
        super(message, null, false, false);
        this.sqlState = sqlState;
    }

    public String sqlState() {
        return sqlState;
    }
}
