package dev.pgwarden.approvals.slack;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

import com.slack.api.Slack;
import com.slack.api.SlackConfig;
import com.slack.api.methods.MethodsClient;
import com.slack.api.methods.SlackApiException;
import com.slack.api.methods.SlackApiTextResponse;
import com.slack.api.methods.response.chat.ChatPostMessageResponse;
import com.slack.api.methods.response.users.UsersInfoResponse;
import com.slack.api.model.User;
import com.slack.api.model.block.LayoutBlock;
import com.slack.api.webhook.WebhookResponse;

import dev.pgwarden.approvals.CardText;

/**
 * The few Slack Web API calls the gateway makes, through slack-api-client, with failures turned
 * into {@link SlackApiError}s that carry Slack's error code and nothing secret.
 */
public final class SlackApi implements AutoCloseable {
    private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);
    private static final Pattern ERROR_CODE = Pattern.compile("[a-z0-9_]{1,64}");

    private final Slack slack;
    private final MethodsClient methods;

    /**
     * @param apiUrl   the Web API base ({@code https://slack.com/api/})
     * @param botToken the bot token; without one only {@link #respond} works
     */
    public SlackApi(String apiUrl, Optional<String> botToken) {
        this(apiUrl, botToken, DEFAULT_TIMEOUT);
    }

    /** @param timeout how long a call may take before it fails */
    public SlackApi(String apiUrl, Optional<String> botToken, Duration timeout) {
        if (!CardText.isAbsoluteWebUrl(apiUrl) || URI.create(apiUrl).getHost() == null) {
            throw new IllegalArgumentException("pgwarden.slack.api-url must be an absolute http(s) URL");
        }
        SlackConfig config = new SlackConfig();
        config.setMethodsEndpointUrlPrefix(apiUrl.endsWith("/") ? apiUrl : apiUrl + "/");
        config.setHttpClientCallTimeoutMillis((int) timeout.toMillis());
        config.setHttpClientReadTimeoutMillis((int) timeout.toMillis());
        // The library's listeners log requests and responses; ours carry statements and e-mails.
        config.setHttpClientResponseHandlers(List.of());
        // Its rate-limit metrics call auth.test before the first call of each token and run threads of their own.
        config.setStatsEnabled(false);
        this.slack = Slack.getInstance(config);
        this.methods = botToken.filter(t -> !t.isBlank()).map(slack::methods).orElse(null);
    }

    /** Where a message was posted: the channel's id and the message's timestamp. */
    public record Posted(String channel, String ts) {
    }

    public Posted postMessage(String channel, String text, List<LayoutBlock> blocks) throws IOException {
        ChatPostMessageResponse r = call("chat.postMessage",
                () -> bot("chat.postMessage").chatPostMessage(b -> b.channel(channel).text(text).blocks(blocks)));
        if (r.getTs() == null) {
            throw new SlackApiError("chat.postMessage", "no_ts_in_response");
        }
        return new Posted(r.getChannel() != null ? r.getChannel() : channel, r.getTs());
    }

    public void update(String channel, String ts, String text, List<LayoutBlock> blocks) throws IOException {
        call("chat.update", () -> bot("chat.update").chatUpdate(b -> b.channel(channel).ts(ts).text(text).blocks(blocks)));
    }

    /** The user's e-mail (needs {@code users:read.email}); empty when Slack shows none. */
    public Optional<String> userEmail(String userId) throws IOException {
        UsersInfoResponse r = call("users.info", () -> bot("users.info").usersInfo(b -> b.user(userId)));
        User user = r.getUser();
        return Optional.ofNullable(user).map(User::getProfile).map(User.Profile::getEmail).filter(e -> !e.isBlank());
    }

    public boolean canCallMethods() {
        return methods != null;
    }

    /** Posts a message to an interaction's {@code response_url} (a capability URL: never logged). */
    public void respond(String responseUrl, String json) throws IOException {
        WebhookResponse r;
        try {
            r = slack.send(responseUrl, json);
        } catch (IOException e) {
            // The exception may name the URL; only its kind is kept.
            throw new IOException("Slack response_url unreachable: " + e.getClass().getSimpleName());
        }
        if (r.getCode() == null || r.getCode() / 100 != 2) {
            String body = r.getBody() == null ? "" : r.getBody().trim();
            throw new SlackApiError("response_url", code(body, "http_" + r.getCode()));
        }
    }

    /** Slack's error codes are short snake_case words; anything else is not repeated. */
    private static String code(String error, String otherwise) {
        return error != null && ERROR_CODE.matcher(error).matches() ? error : otherwise;
    }

    @Override
    public void close() throws Exception {
        slack.close();
    }

    private MethodsClient bot(String method) throws SlackApiError {
        if (methods == null) {
            throw new SlackApiError(method, "no_bot_token_configured");
        }
        return methods;
    }

    private interface Call<T> {
        T run() throws IOException, SlackApiException;
    }

    private static <T extends SlackApiTextResponse> T call(String method, Call<T> call) throws IOException {
        T response;
        try {
            response = call.run();
        } catch (SlackApiException e) {
            String code = e.getError() == null ? null : e.getError().getError();
            throw new SlackApiError(method, code(code, "http_" + e.getResponse().code()));
        } catch (SlackApiError e) {
            throw e;
        } catch (IOException e) {
            throw new IOException("Slack " + method + " unreachable: " + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : ": " + e.getMessage()), e);
        }
        if (!response.isOk()) {
            throw new SlackApiError(method, code(response.getError(), "unknown_error"));
        }
        return response;
    }
}
