package dev.pgwarden.approvals.slack;

import java.io.IOException;

/**
 * A Slack Web API call that failed: Slack answered {@code ok:false} (the {@code error} code, such as
 * {@code invalid_auth} or {@code channel_not_found}) or an HTTP error. The message names the method
 * and the code, never the token or a response URL.
 */
public final class SlackApiError extends IOException {
    private final String method;
    private final String error;

    SlackApiError(String method, String error) {
        super("Slack " + method + " failed: " + error);
        this.method = method;
        this.error = error;
    }

    /** The Web API method, e.g. {@code chat.postMessage}. */
    public String method() {
        return method;
    }

    /** Slack's error code, or {@code http_<status>} when Slack did not give one. */
    public String error() {
        return error;
    }
}
