package dev.pgwarden.identity;

import java.util.concurrent.CompletionStage;

/** Turns the password a client sent (an OIDC access token) into a Principal, or fails with a reason. */
public interface TokenAuthenticator {
    CompletionStage<Principal> authenticate(String token);
}
