package dev.pgwarden.policy;

/** A policy file that cannot be used; the message names the file and line. */
public class PolicyException extends Exception {
    public PolicyException(String message) {
        super(message);
    }

    public PolicyException(String message, Throwable cause) {
        super(message, cause);
    }
}
