package dev.pgwarden.approvals.slack;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Slack's request signing, version 0: {@code X-Slack-Signature} is {@code v0=} and the hex
 * HMAC-SHA256, keyed with the app's signing secret, of {@code v0:<X-Slack-Request-Timestamp>:<raw body>}.
 * Requests more than five minutes from now either way are refused, so a captured request cannot be
 * replayed later.
 */
public final class SlackSignatureVerifier {
    static final Duration WINDOW = Duration.ofMinutes(5);
    private static final String VERSION = "v0";

    private final byte[] secret;
    private final Clock clock;

    public SlackSignatureVerifier(String signingSecret, Clock clock) {
        if (signingSecret == null || signingSecret.isEmpty()) {
            throw new IllegalArgumentException("a Slack signing secret is required");
        }
        this.secret = signingSecret.getBytes(StandardCharsets.UTF_8);
        this.clock = clock;
    }

    /** Why a request was refused; the message is safe to log (it quotes no secret). */
    public static final class Rejected extends Exception {
        Rejected(String reason) {
            super(reason);
        }
    }

    /**
     * @param timestamp the {@code X-Slack-Request-Timestamp} header (seconds since the epoch)
     * @param signature the {@code X-Slack-Signature} header
     * @param body      the request body exactly as received
     */
    public void verify(String timestamp, String signature, byte[] body) throws Rejected {
        if (timestamp == null || timestamp.isEmpty() || signature == null || signature.isEmpty()) {
            throw new Rejected("missing X-Slack-Request-Timestamp or X-Slack-Signature");
        }
        long seconds;
        try {
            seconds = Long.parseLong(timestamp);
        } catch (NumberFormatException e) {
            throw new Rejected("X-Slack-Request-Timestamp is not a number");
        }
        long now = clock.instant().getEpochSecond();
        if (Math.abs(now - seconds) > WINDOW.toSeconds()) {
            throw new Rejected("X-Slack-Request-Timestamp is more than 5 minutes from now");
        }
        byte[] expected = sign(timestamp, body).getBytes(StandardCharsets.US_ASCII);
        if (!MessageDigest.isEqual(expected, signature.getBytes(StandardCharsets.US_ASCII))) {
            throw new Rejected("X-Slack-Signature does not match");
        }
    }

    /** {@code v0=<hex>} for this timestamp and body. */
    String sign(String timestamp, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            mac.update((VERSION + ":" + timestamp + ":").getBytes(StandardCharsets.US_ASCII));
            mac.update(body);
            return VERSION + "=" + HexFormat.of().formatHex(mac.doFinal());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }
}
