package dev.pgwarden.ops;

import java.time.Duration;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

import dev.pgwarden.audit.AuditRecording;
import dev.pgwarden.app.GatewayServer;
import dev.pgwarden.config.GatewayConfig;
import dev.pgwarden.policy.Policy;
import dev.pgwarden.policy.PolicyStore;
import io.smallrye.health.api.AsyncHealthCheck;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;

/**
 * {@code /q/health/ready}: DOWN while the upstream PostgreSQL cannot be reached (a plain TCP
 * connect, closed at once: PostgreSQL logs nothing for a connection that sends no bytes), while no
 * valid policy is active, while a fail-closed audit trail refuses statements (its writer has not
 * written to the store again yet: the datasource check alone turns UP as soon as one connection
 * opens, before the writer notices), or once graceful shutdown has started. Non-blocking: the connect runs on
 * a Vert.x NetClient and the check answers through a {@link Uni}.
 */
@Readiness
@ApplicationScoped
public class GatewayReadinessCheck implements AsyncHealthCheck {
    static final String NAME = "pgwarden";
    private static final Duration MAX_PROBE_TIMEOUT = Duration.ofSeconds(2);

    @Inject
    GatewayConfig config;
    @Inject
    PolicyStore policy;
    @Inject
    GatewayServer server;
    @Inject
    Vertx vertx;
    @Inject
    AuditRecording audit;

    private volatile NetClient client;

    @Override
    public Uni<HealthCheckResponse> call() {
        GatewayConfig.Upstream upstream = config.upstream();
        String target = upstream.host() + ":" + upstream.port();
        return Uni.createFrom().completionStage(() -> client().connect(upstream.port(), upstream.host())
                .map(socket -> {
                    socket.close();
                    return (String) null;
                })
                .otherwise(e -> "unreachable (" + e.getClass().getSimpleName() + ")")
                .toCompletionStage())
                .map(upstreamProblem -> respond(target, upstreamProblem));
    }

    private HealthCheckResponse respond(String target, String upstreamProblem) {
        HealthCheckResponseBuilder b = HealthCheckResponse.named(NAME).up();
        b.withData("upstream", target + (upstreamProblem == null ? " reachable" : " " + upstreamProblem));
        if (upstreamProblem != null) {
            b.down();
        }
        try {
            Policy p = policy.current();
            b.withData("policy", p.version());
        } catch (RuntimeException e) {
            b.withData("policy", "no valid policy: " + e.getMessage()).down();
        }
        if (policy.lastError() != null) {
            // The previous version stays active, so this alone does not make the gateway unready.
            b.withData("policyReloadError", policy.lastError());
        }
        if (config.audit().enabled() && config.audit().failClosed() && !audit.storeUp()) {
            b.withData("audit", "store unavailable: statements are refused").down();
        }
        if (server.draining()) {
            b.withData("listener", "shutting down").down();
        }
        return b.build();
    }

    private NetClient client() {
        NetClient c = client;
        if (c == null) {
            synchronized (this) {
                if (client == null) {
                    Duration t = config.upstream().connectTimeout();
                    if (t.compareTo(MAX_PROBE_TIMEOUT) > 0) {
                        t = MAX_PROBE_TIMEOUT;
                    }
                    client = vertx.createNetClient(new NetClientOptions().setConnectTimeout((int) t.toMillis()));
                }
                c = client;
            }
        }
        return c;
    }

    @PreDestroy
    void close() {
        NetClient c = client;
        if (c != null) {
            c.close();
        }
    }
}
