package dev.pgwarden.approvals.slack;

import java.time.Clock;
import java.util.List;
import java.util.Optional;

import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import dev.pgwarden.config.GatewayConfig;

/** Slack as configured: the API client, the channel cards go to, the signature check, the approvers. */
@ApplicationScoped
public class SlackSetup {
    private static final Logger LOG = Logger.getLogger(SlackSetup.class);

    @Inject
    GatewayConfig config;

    private SlackApi api;
    private SlackChannel channel;
    private SlackSignatureVerifier verifier;
    private SlackApprovers approvers;

    @PostConstruct
    void init() {
        GatewayConfig.Slack slack = config.slack();
        Optional<String> token = slack.botToken().filter(t -> !t.isBlank());
        Optional<String> secret = slack.signingSecret().filter(s -> !s.isBlank());
        Optional<String> channelId = slack.channel().filter(c -> !c.isBlank());
        approvers = new SlackApprovers(slack.approvers().orElse(List.of()));
        if (token.isPresent() || secret.isPresent()) {
            api = new SlackApi(slack.apiUrl(), token, slack.timeout());
        }
        if (token.isPresent() && channelId.isPresent()) {
            channel = new SlackChannel(api, channelId.get());
        } else if (token.isPresent() != channelId.isPresent()) {
            LOG.warn("Slack cards are off: pgwarden.slack.bot-token and pgwarden.slack.channel are both needed");
        }
        if (secret.isPresent()) {
            verifier = new SlackSignatureVerifier(secret.get(), Clock.systemUTC());
            if (approvers.isEmpty()) {
                LOG.warn("pgwarden.slack.approvers is empty: nobody can approve or deny in Slack");
            }
        } else if (channel != null) {
            LOG.warn("pgwarden.slack.signing-secret is not set: Slack cards are posted but their buttons are refused");
        }
    }

    /** The channel approval cards are posted to, when a bot token and a channel are configured. */
    public Optional<SlackChannel> channel() {
        return Optional.ofNullable(channel);
    }

    /** Present when a signing secret is configured; without it /slack/interactivity does not exist. */
    public Optional<SlackSignatureVerifier> verifier() {
        return Optional.ofNullable(verifier);
    }

    /** Present whenever a bot token or signing secret is configured. */
    public Optional<SlackApi> api() {
        return Optional.ofNullable(api);
    }

    public SlackApprovers approvers() {
        return approvers;
    }

    @PreDestroy
    void close() throws Exception {
        if (api != null) {
            api.close();
        }
    }
}
