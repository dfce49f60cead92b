package dev.pgwarden.app;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import dev.pgwarden.config.GatewayConfig;
import dev.pgwarden.gate.LineageResolver;
import dev.pgwarden.gate.MaskingFactory;
import dev.pgwarden.gate.PlannerEstimates;
import dev.pgwarden.gate.PolicyGate;
import dev.pgwarden.gate.SideConnections;
import dev.pgwarden.identity.TokenAuthenticator;
import dev.pgwarden.policy.PolicyStore;
import dev.pgwarden.proxy.ApprovalHolds;
import dev.pgwarden.proxy.CancelRegistry;
import dev.pgwarden.proxy.CatalogCache;
import dev.pgwarden.proxy.TokenExpiry;
import dev.pgwarden.proxy.GatewayContext;
import dev.pgwarden.proxy.ListenerVerticle;
import dev.pgwarden.proxy.SessionRecorder;
import dev.pgwarden.proxy.Sessions;
import dev.pgwarden.proxy.StatementGate;
import dev.pgwarden.proxy.VolatilityCache;
import dev.pgwarden.proxy.upstream.UpstreamConnector;
import dev.pgwarden.proxy.upstream.UpstreamCredentials;
import dev.pgwarden.wire.MessageFramer;
import dev.pgwarden.wire.PgError;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.PemKeyCertOptions;

/**
 * The composition root of the PostgreSQL listener: starts it with the application, wires the
 * protocol layer ({@code proxy}) to the gate, masking, approvals and audit through the seams proxy
 * declares, and stops it gracefully.
 */
@ApplicationScoped
public class GatewayServer {
    private static final Logger LOG = Logger.getLogger(GatewayServer.class);

    @Inject
    GatewayConfig config;
    @Inject
    Vertx vertx;
    @Inject
    TokenAuthenticator authenticator;
    @Inject
    PolicyStore policy;
    @Inject
    CancelRegistry cancelRegistry;
    @Inject
    Sessions sessions;
    @Inject
    jakarta.enterprise.inject.Instance<StatementGate> gates;
    @Inject
    jakarta.enterprise.inject.Instance<ApprovalHolds> approvalHolds;
    @Inject
    jakarta.enterprise.inject.Instance<SessionRecorder.Factory> recorders;

    private volatile String deploymentId;
    private final java.util.List<ListenerVerticle> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();
    private volatile boolean draining;
    private final java.util.List<VolatilityCache> volatilities = new java.util.concurrent.CopyOnWriteArrayList<>();

    void onStart(@Observes StartupEvent ev) throws Exception {
        GatewayConfig.Listen listen = config.listen();
        if (listen.maxMessageSize() > MessageFramer.HARD_MAX_MESSAGE_SIZE) {
            throw new IllegalArgumentException("pgwarden.listen.max-message-size is capped at 1 GiB");
        }
        boolean tls = listen.tlsCertFile().isPresent() && listen.tlsKeyFile().isPresent();
        if (listen.requireTls() && !tls) {
            throw new IllegalArgumentException(
                    "pgwarden.listen.require-tls=true needs pgwarden.listen.tls-cert-file and tls-key-file");
        }
        policy.current(); // fail start-up on a bad policy file
        UpstreamCredentials credentials = UpstreamCredentials.from(config.upstream());
        StatementGate gate = gates.isResolvable() ? gates.get() : StatementGate.PASS_THROUGH;
        SessionRecorder.Factory recording = recorders.isResolvable() ? recorders.get() : SessionRecorder.OFF;
        MaskingFactory masking = new MaskingFactory(policy, hashKey());
        NetServerOptions options = serverOptions(listen, tls);
        int instances = listen.eventLoops() > 0 ? listen.eventLoops() : Runtime.getRuntime().availableProcessors();
        listeners.clear();
        volatilities.clear();
        draining = false;
        deploymentId = vertx.deployVerticle(
                () -> {
                    ListenerVerticle l = new ListenerVerticle(options,
                            v -> new UpstreamConnector(v, config.upstream(), credentials, listen.maxMessageSize()),
                            (connector, catalog, volatility) -> {
                                volatilities.add(volatility);
                                return newContext(gate, masking, recording, connector, catalog, volatility, tls);
                            }, config.upstream().catalogCheckInterval());
                    listeners.add(l);
                    return l;
                },
                new DeploymentOptions().setInstances(instances))
                .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        LOG.infof("pgwarden listening on %s:%d (%d event loops, TLS %s, upstream %s:%d/%s, native transport %s)",
                listen.host(), listen.port(), instances, tls ? (listen.requireTls() ? "required" : "offered") : "off",
                config.upstream().host(), config.upstream().port(), config.upstream().database(),
                vertx.isNativeTransportEnabled());
    }

    private GatewayContext newContext(StatementGate gate, MaskingFactory masking, SessionRecorder.Factory recording,
            UpstreamConnector connector, CatalogCache catalog, VolatilityCache volatility, boolean tls) {
        GatewayConfig.Listen listen = config.listen();
        var maskers = masking.forCatalog(catalog);
        var analyzer = gate instanceof PolicyGate pg ? pg.analyzer() : null;
        var side = new SideConnections(connector, config.upstream().sideConnections());
        var lineage = new LineageResolver(catalog, side, maskers, analyzer);
        ApprovalHolds approvals = approvalHolds.isResolvable() ? approvalHolds.get() : ApprovalHolds.NONE;
        return new GatewayContext(authenticator, policy, gate, maskers, catalog, volatility, lineage, connector,
                cancelRegistry, sessions, recording, config.upstream().database(), listen.maxMessageSize(),
                listen.authTimeout(), tls, listen.requireTls(), listen.allowFunctionCall(), approvals,
                role -> new PlannerEstimates(side, role, Vertx.currentContext()),
                new TokenExpiry(config.identity().endAtTokenExpiry(), config.identity().expiryGrace()));
    }

    private byte[] hashKey() {
        if (config.masking().hashKey().isPresent()) {
            byte[] key = config.masking().hashKey().get().getBytes(StandardCharsets.UTF_8);
            if (key.length < 16) {
                throw new IllegalArgumentException("pgwarden.masking.hash-key must be at least 16 bytes");
            }
            return key;
        }
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        return key;
    }

    private static NetServerOptions serverOptions(GatewayConfig.Listen listen, boolean tls) {
        NetServerOptions o = new NetServerOptions()
                .setHost(listen.host())
                .setPort(listen.port())
                .setTcpNoDelay(true)
                .setTcpKeepAlive(true)
                .setReuseAddress(true);
        if (tls) {
            // TLS is negotiated in-protocol (SSLRequest), so the socket starts plain and is upgraded.
            o.setKeyCertOptions(new PemKeyCertOptions()
                    .setCertPath(listen.tlsCertFile().get())
                    .setKeyPath(listen.tlsKeyFile().get()));
        }
        return o;
    }

    void onStop(@Observes ShutdownEvent ev) {
        shutdown();
    }

    /** One event loop's snapshot of which functions have side effects, for dry runs of the policy; null before start. */
    public VolatilityCache volatility() {
        return volatilities.isEmpty() ? null : volatilities.get(0);
    }

    /** True from the moment graceful shutdown starts (readiness then reports DOWN). */
    public boolean draining() {
        return draining;
    }

    /**
     * Graceful shutdown: refuse new connections (57P01), give sessions up to
     * {@code pgwarden.listen.shutdown-grace} to finish their statement or transaction (each idle
     * session ends with FATAL 57P01 right away), end the rest with 57P01, then undeploy.
     */
    public synchronized void shutdown() {
        String id = deploymentId;
        if (id == null) {
            return;
        }
        draining = true;
        listeners.forEach(ListenerVerticle::stopAccepting);
        PgError shuttingDown = ListenerVerticle.SHUTTING_DOWN;
        Duration grace = config.listen().shutdownGrace();
        long deadline = System.nanoTime() + grace.toNanos();
        int open = sessions.openCount();
        if (open > 0) {
            LOG.infof("shutting down: waiting up to %s for %d session(s) to go idle", grace, open);
        }
        while (sessions.openCount() > 0 && System.nanoTime() < deadline) {
            sessions.terminateIdle(shuttingDown);
            if (!sleep(50)) {
                break;
            }
        }
        int left = sessions.openCount();
        if (left > 0) {
            LOG.warnf("shutdown grace %s ran out: ending %d busy session(s)", grace, left);
            sessions.terminateAll(shuttingDown);
            long closeDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
            while (sessions.openCount() > 0 && System.nanoTime() < closeDeadline && sleep(20)) {
                // the 57P01 messages are written on each session's event loop
            }
        }
        try {
            vertx.undeploy(id).toCompletionStage().toCompletableFuture()
                    .get(Duration.ofSeconds(10).toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            LOG.warnf("listener did not stop cleanly: %s", e.getMessage());
        }
        deploymentId = null;
        listeners.clear();
    }

    /** @return false when interrupted (then stop waiting) */
    private static boolean sleep(long millis) {
        try {
            Thread.sleep(millis);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
