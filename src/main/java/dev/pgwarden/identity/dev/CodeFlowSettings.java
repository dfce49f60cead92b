package dev.pgwarden.identity.dev;

import java.util.List;

/**
 * What the development issuer needs to log people in with the authorization code flow: the secret
 * of its one client (whose id is the issuer's audience) and the people who may log in.
 */
public record CodeFlowSettings(String clientSecret, List<DevUser> users) {
    public CodeFlowSettings {
        if (clientSecret == null || clientSecret.isBlank()) {
            throw new IllegalArgumentException("the code flow needs a client secret");
        }
        users = List.copyOf(users);
    }

    @Override
    public String toString() {
        return "CodeFlowSettings[users=" + users + "]"; // never the secret
    }
}
