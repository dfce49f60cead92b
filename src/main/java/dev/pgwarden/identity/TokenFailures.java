package dev.pgwarden.identity;

import org.jose4j.jwt.consumer.ErrorCodes;
import org.jose4j.jwt.consumer.InvalidJwtException;

import dev.pgwarden.wire.SqlState;

/** Maps quarkus-oidc's verification failures to a message that says which check failed. */
final class TokenFailures {
    private TokenFailures() {
    }

    static AuthenticationFailure classify(Throwable failure) {
        if (failure instanceof AuthenticationFailure af) {
            return af;
        }
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof InvalidJwtException jwt) {
                return fromJose(jwt);
            }
            String m = String.valueOf(t.getMessage());
            if (m.contains("OIDC server is not available") || m.contains("Connection refused")) {
                return new AuthenticationFailure(SqlState.CANNOT_CONNECT_NOW,
                        "the identity provider is not reachable; try again later");
            }
        }
        return new AuthenticationFailure(SqlState.INVALID_PASSWORD,
                "access token rejected: signature, issuer or audience could not be verified");
    }

    private static AuthenticationFailure fromJose(InvalidJwtException e) {
        String reason;
        if (e.hasExpired()) {
            reason = "access token has expired";
        } else if (e.hasErrorCode(ErrorCodes.AUDIENCE_INVALID) || e.hasErrorCode(ErrorCodes.AUDIENCE_MISSING)) {
            reason = "access token audience is not accepted by this gateway";
        } else if (e.hasErrorCode(ErrorCodes.ISSUER_INVALID) || e.hasErrorCode(ErrorCodes.ISSUER_MISSING)) {
            reason = "access token was issued by an untrusted issuer";
        } else if (e.hasErrorCode(ErrorCodes.SIGNATURE_INVALID) || e.hasErrorCode(ErrorCodes.SIGNATURE_MISSING)) {
            reason = "access token signature is invalid";
        } else if (e.hasErrorCode(ErrorCodes.NOT_YET_VALID)) {
            reason = "access token is not valid yet";
        } else {
            reason = "access token rejected";
        }
        return new AuthenticationFailure(SqlState.INVALID_PASSWORD, reason);
    }
}
