package dev.pgwarden.ops;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;

import dev.pgwarden.proxy.Sessions;

/**
 * {@code /q/health/live}: the process answers HTTP, so it is alive. Deliberately independent of
 * the upstream database: an unreachable PostgreSQL must make replicas unready, not restart them.
 */
@Liveness
@ApplicationScoped
public class GatewayLivenessCheck implements HealthCheck {
    @Inject
    Sessions sessions;

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("pgwarden").up().withData("sessions", sessions.openCount()).build();
    }
}
