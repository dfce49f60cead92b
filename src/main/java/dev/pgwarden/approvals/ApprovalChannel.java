package dev.pgwarden.approvals;

import java.util.Optional;

/**
 * Somewhere approvers are told about requests (Slack, Teams). Calls are blocking and made on a
 * worker thread; a failing channel is logged and never blocks or decides a request (the console
 * and REST API always work).
 */
public interface ApprovalChannel {

    /** A short name for logs and metrics ("slack", "teams"). */
    String name();

    /**
     * Announces a new request.
     *
     * @return a reference to the posted card for {@link #update} (Slack: channel and message ts),
     *         or empty when the channel cannot update what it posted
     */
    Optional<String> announce(ApprovalCard card) throws Exception;

    /** Shows the outcome on the card announced earlier. */
    void update(String reference, ApprovalCard card, ApprovalOutcome outcome) throws Exception;
}
