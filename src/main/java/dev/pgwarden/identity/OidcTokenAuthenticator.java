package dev.pgwarden.identity;

import java.time.Instant;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.jwt.JsonWebToken;
import org.jboss.logging.Logger;

import dev.pgwarden.config.GatewayConfig;
import dev.pgwarden.wire.SqlState;
import io.quarkus.oidc.AccessTokenCredential;
import io.quarkus.oidc.TenantIdentityProvider;
import io.quarkus.security.identity.SecurityIdentity;

/**
 * Validates tokens with quarkus-oidc (signature against the issuer's JWKS with key rotation,
 * issuer, audience, expiry) exactly as it validates bearer tokens on HTTP requests.
 */
@ApplicationScoped
public class OidcTokenAuthenticator implements TokenAuthenticator {
    private static final Logger LOG = Logger.getLogger(OidcTokenAuthenticator.class);

    private final TenantIdentityProvider identityProvider;
    private final GroupsClaim groupsClaim;

    @Inject
    public OidcTokenAuthenticator(TenantIdentityProvider identityProvider, GatewayConfig config) {
        this.identityProvider = identityProvider;
        this.groupsClaim = new GroupsClaim(config.identity().groupsClaim());
    }

    @Override
    public CompletionStage<Principal> authenticate(String token) {
        if (token == null || token.isEmpty()) {
            return failed(new AuthenticationFailure(SqlState.INVALID_PASSWORD,
                    "an OIDC access token is required as the password"));
        }
        if (token.chars().filter(c -> c == '.').count() != 2) {
            return failed(new AuthenticationFailure(SqlState.INVALID_PASSWORD,
                    "the password is not an OIDC access token (expected a JWT)"));
        }
        return identityProvider.authenticate(new AccessTokenCredential(token))
                .map(identity -> toPrincipal(identity, token))
                .onFailure().transform(TokenFailures::classify)
                .subscribeAsCompletionStage();
    }

    private Principal toPrincipal(SecurityIdentity identity, String token) {
        JsonWebToken jwt = (JsonWebToken) identity.getPrincipal();
        Set<String> groups = groupsClaim.read(token);
        long exp = jwt.getExpirationTime();
        String subject = identity.getPrincipal().getName();
        LOG.debugf("token accepted for subject %s", subject);
        return new Principal(subject, groups, jwt.getIssuer(), exp > 0 ? Instant.ofEpochSecond(exp) : null);
    }

    private static <T> CompletionStage<T> failed(Throwable t) {
        return CompletableFuture.failedFuture(t);
    }
}
