package dev.pgwarden.approvals;

import java.util.ArrayList;
import java.util.List;

import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import dev.pgwarden.approvals.slack.SlackSetup;
import dev.pgwarden.approvals.teams.TeamsChannel;
import dev.pgwarden.config.GatewayConfig;
import io.quarkus.runtime.Startup;

/**
 * The channels approval requests are announced in, as configured: Slack when a bot token and a
 * channel are set, Teams when a webhook URL is set, none otherwise (the console and REST API always
 * work). Built at start, so a malformed setting stops the gateway instead of failing the first request.
 */
@ApplicationScoped
@Startup
public class ApprovalChannels {
    @Inject
    GatewayConfig config;
    @Inject
    SlackSetup slack;

    private List<ApprovalChannel> channels;

    @PostConstruct
    void init() {
        List<ApprovalChannel> configured = new ArrayList<>();
        slack.channel().ifPresent(configured::add);
        config.teams().webhookUrl().filter(u -> !u.isBlank()).map(TeamsChannel::new).ifPresent(configured::add);
        channels = List.copyOf(configured);
    }

    public List<ApprovalChannel> all() {
        return channels;
    }
}
