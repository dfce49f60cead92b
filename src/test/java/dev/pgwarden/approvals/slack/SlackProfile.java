package dev.pgwarden.approvals.slack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.pgwarden.testing.FakeSlackServer;
import dev.pgwarden.testing.FakeTeamsWebhook;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.junit.QuarkusTestProfile;

/**
 * The gateway with Slack and Teams configured against local fakes of their HTTP APIs, and the
 * recording decider in place of the real one.
 */
public class SlackProfile implements QuarkusTestProfile {
    public static final String BOT_TOKEN = "xoxb-test-0000-bot-token";
    public static final String SIGNING_SECRET = "0123456789abcdef-test-signing-secret";
    public static final String CHANNEL = "C0APPROVALS";
    public static final String TEAMS_SIG = "dGVhbXMtd2ViaG9vay1zZWNyZXQ";

    static FakeSlackServer slack;
    static FakeTeamsWebhook teams;

    @Override
    public Set<Class<?>> getEnabledAlternatives() {
        return Set.of(RecordingApprovalDecider.class);
    }

    @Override
    public List<TestResourceEntry> testResources() {
        return List.of(new TestResourceEntry(Fakes.class));
    }

    /** Starts the fakes and points the gateway at them. */
    public static class Fakes implements QuarkusTestResourceLifecycleManager {
        @Override
        public Map<String, String> start() {
            try {
                slack = FakeSlackServer.start(BOT_TOKEN, CHANNEL);
                teams = FakeTeamsWebhook.start(TEAMS_SIG);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return Map.of("pgwarden.slack.api-url", slack.apiUrl(),
                    "pgwarden.slack.bot-token", BOT_TOKEN,
                    "pgwarden.slack.channel", CHANNEL,
                    "pgwarden.slack.signing-secret", SIGNING_SECRET,
                    "pgwarden.slack.approvers", "U0ALICE,Carol@Example.com",
                    "pgwarden.teams.webhook-url", teams.url(),
                    "pgwarden.approvals.public-url", "https://pgwarden.example.com");
        }

        @Override
        public void stop() {
            slack.close();
            teams.close();
        }
    }
}
