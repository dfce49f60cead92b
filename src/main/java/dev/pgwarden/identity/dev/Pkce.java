package dev.pgwarden.identity.dev;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.regex.Pattern;

/** Proof Key for Code Exchange (RFC 7636), S256 only: "plain" proves nothing to an eavesdropper. */
final class Pkce {
    /** 43-128 characters of the unreserved set (RFC 7636 section 4.1); the challenge has the same shape. */
    private static final Pattern SHAPE = Pattern.compile("[A-Za-z0-9._~-]{43,128}");

    private Pkce() {
    }

    static boolean wellFormed(String verifierOrChallenge) {
        return verifierOrChallenge != null && SHAPE.matcher(verifierOrChallenge).matches();
    }

    /** BASE64URL(SHA-256(verifier)) equals the challenge sent with the authorization request. */
    static boolean verifies(String verifier, String challenge) {
        if (!wellFormed(verifier) || challenge == null) {
            return false;
        }
        byte[] expected = Base64.getUrlEncoder().withoutPadding()
                .encode(sha256(verifier.getBytes(StandardCharsets.US_ASCII)));
        return MessageDigest.isEqual(expected, challenge.getBytes(StandardCharsets.US_ASCII));
    }

    private static byte[] sha256(byte[] in) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(in);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
