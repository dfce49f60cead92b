package dev.pgwarden.approvals.slack;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;

import org.junit.jupiter.api.Test;

import dev.pgwarden.testing.SlackCallbacks;

class SlackSignatureVerifierTest {
    // Slack's published example: https://api.slack.com/authentication/verifying-requests-from-slack
    // (its body's token is xyzz0WbapA4vBCDEFasx0q6G; copies with another token do not give this signature).
    static final String SECRET = "8f742231b10e8888abcd99yyyzzz85a5";
    static final String TIMESTAMP = "1531420618";
    static final byte[] BODY = ("token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow"
            + "&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner"
            + "&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J"
            + "%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c")
            .getBytes(StandardCharsets.UTF_8);
    static final String SIGNATURE = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503";

    static SlackSignatureVerifier at(long epochSecond) {
        return new SlackSignatureVerifier(SECRET, Clock.fixed(Instant.ofEpochSecond(epochSecond), ZoneOffset.UTC));
    }

    @Test
    void slacksPublishedExampleVerifies() {
        SlackSignatureVerifier verifier = at(1531420618L);
        assertEquals(SIGNATURE, verifier.sign(TIMESTAMP, BODY));
        assertEquals(SIGNATURE, SlackCallbacks.signature(SECRET, TIMESTAMP, BODY), "the test fixture signs alike");
        assertDoesNotThrow(() -> verifier.verify(TIMESTAMP, SIGNATURE, BODY));
    }

    @Test
    void fiveMinutesEitherWayIsAcceptedOneSecondMoreIsNot() {
        long ts = Long.parseLong(TIMESTAMP);
        assertDoesNotThrow(() -> at(ts + 300).verify(TIMESTAMP, SIGNATURE, BODY));
        assertDoesNotThrow(() -> at(ts - 300).verify(TIMESTAMP, SIGNATURE, BODY));
        var stale = assertThrows(SlackSignatureVerifier.Rejected.class, () -> at(ts + 301).verify(TIMESTAMP, SIGNATURE, BODY));
        assertTrue(stale.getMessage().contains("5 minutes"), stale.getMessage());
        assertThrows(SlackSignatureVerifier.Rejected.class, () -> at(ts - 301).verify(TIMESTAMP, SIGNATURE, BODY),
                "a timestamp from the future is refused too");
        assertThrows(SlackSignatureVerifier.Rejected.class, () -> at(ts + 86_400).verify(TIMESTAMP, SIGNATURE, BODY),
                "yesterday's genuine request cannot be replayed");
    }

    @Test
    void aTamperedBodyOrTimestampOrSecretFails() {
        SlackSignatureVerifier verifier = at(1531420618L);
        byte[] tampered = new String(BODY, StandardCharsets.UTF_8).replace("roadrunner", "wilecoyote")
                .getBytes(StandardCharsets.UTF_8);
        assertThrows(SlackSignatureVerifier.Rejected.class, () -> verifier.verify(TIMESTAMP, SIGNATURE, tampered));
        // Moving the timestamp (still within the window) breaks the signature, which covers it.
        assertThrows(SlackSignatureVerifier.Rejected.class, () -> verifier.verify("1531420619", SIGNATURE, BODY));
        String forged = SlackCallbacks.signature("not-the-secret", TIMESTAMP, BODY);
        assertFalse(forged.equals(SIGNATURE));
        assertThrows(SlackSignatureVerifier.Rejected.class, () -> verifier.verify(TIMESTAMP, forged, BODY));
        assertThrows(SlackSignatureVerifier.Rejected.class,
                () -> verifier.verify(TIMESTAMP, SIGNATURE.toUpperCase(), BODY), "only Slack's exact form matches");
        assertThrows(SlackSignatureVerifier.Rejected.class,
                () -> verifier.verify(TIMESTAMP, SIGNATURE.substring(0, 20), BODY));
    }

    @Test
    void missingOrMalformedHeadersAreRefused() {
        SlackSignatureVerifier verifier = at(1531420618L);
        assertThrows(SlackSignatureVerifier.Rejected.class, () -> verifier.verify(null, SIGNATURE, BODY));
        assertThrows(SlackSignatureVerifier.Rejected.class, () -> verifier.verify(TIMESTAMP, null, BODY));
        assertThrows(SlackSignatureVerifier.Rejected.class, () -> verifier.verify("", "", BODY));
        var notNumber = assertThrows(SlackSignatureVerifier.Rejected.class,
                () -> verifier.verify("yesterday", SIGNATURE, BODY));
        assertTrue(notNumber.getMessage().contains("not a number"));
    }

    @Test
    void rejectionsNeverQuoteTheSecretOrTheSignature() {
        SlackSignatureVerifier verifier = at(1531420618L);
        var e = assertThrows(SlackSignatureVerifier.Rejected.class, () -> verifier.verify(TIMESTAMP, "v0=00", BODY));
        assertFalse(e.getMessage().contains(SECRET));
        assertFalse(e.getMessage().contains(SIGNATURE.substring(3)));
        assertThrows(IllegalArgumentException.class, () -> new SlackSignatureVerifier("", Clock.systemUTC()));
    }
}
