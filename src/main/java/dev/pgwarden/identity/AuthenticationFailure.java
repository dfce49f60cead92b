package dev.pgwarden.identity;

/** A token was refused; the message says why and never contains the token. */
public class AuthenticationFailure extends RuntimeException {
    private final String sqlState;

    public AuthenticationFailure(String sqlState, String message) {
        super(message, null, false, false);
        this.sqlState = sqlState;
    }

    public String sqlState() {
        return sqlState;
    }
}
