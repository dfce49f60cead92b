package dev.pgwarden.approvals.slack;

import java.util.Optional;
import java.util.concurrent.RejectedExecutionException;

import jakarta.annotation.security.PermitAll;
import jakarta.inject.Inject;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.jboss.logging.Logger;

import io.smallrye.mutiny.infrastructure.Infrastructure;

/**
 * Slack's Interactivity Request URL: Approve/Deny clicks arrive here. Slack cannot log in, so the
 * path is open (no OIDC); what authenticates a request is Slack's signature over the raw body,
 * checked before anything else. A verified click is answered 200 at once (Slack allows three
 * seconds) and decided afterwards; the clicker hears the result as an ephemeral message.
 */
@Path("/slack/interactivity")
@PermitAll
public class SlackInteractivityResource {
    private static final Logger LOG = Logger.getLogger(SlackInteractivityResource.class);

    @Inject
    SlackSetup slack;
    @Inject
    SlackClickHandler handler;

    @POST
    @Produces(MediaType.TEXT_PLAIN)
    public Response click(@HeaderParam("X-Slack-Request-Timestamp") String timestamp,
            @HeaderParam("X-Slack-Signature") String signature, byte[] body) {
        Optional<SlackSignatureVerifier> verifier = slack.verifier();
        if (verifier.isEmpty()) {
            return Response.status(Response.Status.NOT_FOUND).entity("Slack is not configured\n").build();
        }
        byte[] raw = body == null ? new byte[0] : body;
        try {
            verifier.get().verify(timestamp, signature, raw);
        } catch (SlackSignatureVerifier.Rejected e) {
            LOG.warnf("Slack interactivity request refused: %s", e.getMessage());
            return Response.status(Response.Status.UNAUTHORIZED).entity("invalid Slack request signature\n").build();
        }
        SlackInteraction click;
        try {
            click = SlackInteraction.parse(raw);
        } catch (SlackInteraction.Malformed e) {
            LOG.warnf("Slack interactivity request refused: %s", e.getMessage());
            return Response.status(Response.Status.BAD_REQUEST).entity(e.getMessage() + "\n").build();
        }
        Optional<SlackButtons> button = SlackButtons.of(click.actionId(), click.value());
        if (button.isEmpty()) {
            LOG.warnf("Slack interactivity request refused: unknown action from %s", click.userId());
            return Response.status(Response.Status.BAD_REQUEST).entity("not an approval button\n").build();
        }
        try {
            Infrastructure.getDefaultWorkerPool().execute(() -> handler.handle(click, button.get()));
        } catch (RejectedExecutionException e) {
            return Response.status(Response.Status.SERVICE_UNAVAILABLE).entity("busy, try again\n").build();
        }
        return Response.ok().build();
    }
}
