package dev.pgwarden.approvals.slack;

import java.io.IOException;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.control.ActivateRequestContext;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.pgwarden.approvals.ApprovalDecider;
import dev.pgwarden.approvals.Approver;

/**
 * Turns a verified Approve/Deny click into a decision: checks the clicking user against
 * {@code pgwarden.slack.approvers} (by id, or by the e-mail {@code users.info} gives), asks the
 * {@link ApprovalDecider}, and answers the clicker with an ephemeral message on the click's
 * {@code response_url}. Runs after Slack already has its 200, so slow calls do not matter to Slack.
 */
@ApplicationScoped
public class SlackClickHandler {
    private static final Logger LOG = Logger.getLogger(SlackClickHandler.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    @Inject
    SlackSetup slack;
    @Inject
    Instance<ApprovalDecider> decider;

    @ActivateRequestContext
    public void handle(SlackInteraction click, SlackButtons button) {
        String reply;
        try {
            reply = decide(click, button);
        } catch (RuntimeException e) {
            LOG.errorf(e, "Slack click on approval %s by %s failed", button.approvalId(), click.userId());
            reply = "Something went wrong while recording your decision, so it may not have been taken. "
                    + "Please check the request in the console.";
        }
        respond(click, reply);
    }

    private String decide(SlackInteraction click, SlackButtons button) {
        SlackApprovers approvers = slack.approvers();
        Optional<String> email;
        try {
            email = email(click.userId());
        } catch (IOException e) {
            LOG.warnf("Slack click on approval %s: could not look up user %s (%s)", button.approvalId(),
                    click.userId(), e.getMessage());
            return "Sorry, I could not look up your Slack profile to check that you may decide on this request, "
                    + "so nothing was changed. Please try again or use the console.";
        }
        if (!approvers.byUserId(click.userId()) && !(email.isPresent() && approvers.byEmail(email.get()))) {
            LOG.infof("Slack click on approval %s by %s refused: not a Slack approver", button.approvalId(),
                    click.userId());
            return "Sorry, you are not on this gateway's list of Slack approvers, so nothing was changed.";
        }
        if (decider.isUnsatisfied()) {
            return "Approvals are not available on this gateway, so nothing was changed.";
        }
        Set<String> identities = new LinkedHashSet<>();
        identities.add("slack:" + click.userId());
        email.ifPresent(identities::add);
        Approver approver = new Approver(click.userName() + " (Slack)", Set.copyOf(identities));
        ApprovalDecider.Outcome outcome = decider.get().decide(button.approvalId(), approver, button.approve(), null);
        LOG.infof("Slack click on approval %s by %s (%s): %s", button.approvalId(), click.userId(),
                button.approve() ? "approve" : "deny", outcome.result());
        return outcome.message() != null && !outcome.message().isBlank() ? outcome.message()
                : defaultMessage(outcome, button.approve());
    }

    /**
     * The clicker's e-mail, so it can match an e-mail in the approvers list and take part in the
     * self-approval check. A failed lookup refuses the click rather than deciding with less identity.
     */
    private Optional<String> email(String userId) throws IOException {
        Optional<SlackApi> api = slack.api().filter(SlackApi::canCallMethods);
        if (api.isEmpty()) {
            return Optional.empty();
        }
        return api.get().userEmail(userId).map(SlackApprovers::normalize);
    }

    static String defaultMessage(ApprovalDecider.Outcome outcome, boolean approve) {
        return switch (outcome.result()) {
            case DECIDED -> approve ? "You approved the request; the statement runs now."
                    : "You denied the request; the client is told it was refused.";
            case ALREADY_DECIDED -> "This request was already "
                    + (outcome.status() == null ? "decided" : outcome.status().name().toLowerCase(Locale.ROOT))
                    + ", so nothing was changed.";
            case NOT_FOUND -> "This request no longer exists, so nothing was changed.";
            case SELF_APPROVAL -> "You cannot decide on your own request, so nothing was changed.";
        };
    }

    private void respond(SlackInteraction click, String text) {
        Optional<SlackApi> api = slack.api();
        if (api.isEmpty()) {
            return;
        }
        try {
            String json = JSON.writeValueAsString(
                    Map.of("response_type", "ephemeral", "replace_original", false, "text", text));
            api.get().respond(click.responseUrl(), json);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        } catch (IOException e) {
            LOG.warnf("Could not reply to %s in Slack: %s", click.userId(), e.getMessage());
        }
    }
}
