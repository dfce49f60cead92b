package dev.pgwarden.mcp;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import dev.pgwarden.config.GatewayConfig;
import dev.pgwarden.loopback.LoopbackLogin;
import dev.pgwarden.loopback.LoopbackTarget;
import dev.pgwarden.wire.PgError;
import dev.pgwarden.wire.SqlState;
import io.quarkiverse.mcp.server.runtime.ConnectionManager;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Vertx;

/**
 * The MCP sessions that have a session on the gateway's listener, at most
 * {@code pgwarden.mcp.max-sessions}. A session belongs to the identity that opened it: another
 * subject presenting its {@code Mcp-Session-Id} is refused. When the MCP session ends (the client's
 * DELETE, or the idle timeout, both of which end it in the MCP server's connection manager), the
 * sweep closes its listener session.
 */
@ApplicationScoped
public class McpSessions {
    private static final Logger LOG = Logger.getLogger(McpSessions.class);
    private static final long SWEEP_EVERY_MILLIS = 2_000;

    /** A refusal before any statement runs, with the SQLSTATE the tool error carries. */
    static final class Refusal extends RuntimeException {
        private final transient PgError error;

        Refusal(String sqlState, String message) {
            super(message, null, false, false);
            this.error = PgError.error(sqlState, message);
        }

        PgError error() {
            return error;
        }
    }

    /** Who calls, from the request's verified token. */
    record Caller(String subject, Set<String> groups, String token) {
        @Override
        public String toString() {
            return "Caller[" + subject + " " + groups + "]"; // never the token
        }
    }

    @Inject
    GatewayConfig config;
    @Inject
    Vertx vertx;
    @Inject
    ConnectionManager connections;

    private final Map<String, McpSession> sessions = new ConcurrentHashMap<>();
    private LoopbackLogin login;
    private McpSession.Limits limits;
    private long sweeper = -1;

    void start(@Observes StartupEvent ev) {
        GatewayConfig.Listen listen = config.listen();
        GatewayConfig.Mcp mcp = config.mcp();
        boolean tls = listen.tlsCertFile().isPresent() && listen.tlsKeyFile().isPresent();
        LoopbackTarget target = new LoopbackTarget(LoopbackTarget.connectHost(listen.host()), listen.port(),
                config.upstream().database(), listen.maxMessageSize(), tls ? listen.tlsCertFile() : java.util.Optional.empty());
        login = new LoopbackLogin(vertx, target, listen.authTimeout());
        limits = new McpSession.Limits(mcp.rowCap(), mcp.resultMaxBytes(), mcp.approvalWait().toMillis());
        sweeper = vertx.setPeriodic(SWEEP_EVERY_MILLIS, t -> sweep());
    }

    /** Before the listener's graceful shutdown, so these sessions end as clients that leave (Terminate). */
    void stop(@Observes @Priority(1000) ShutdownEvent ev) {
        vertx.cancelTimer(sweeper);
        sessions.values().forEach(McpSession::close);
        sessions.clear();
        if (login != null) {
            login.close();
        }
    }

    /**
     * The session of this MCP connection, made on first use.
     *
     * @throws Refusal for another identity's session (28000) or when too many are open (53300)
     */
    McpSession sessionFor(String mcpSessionId, Caller caller, String applicationName) {
        McpSession existing = sessions.get(mcpSessionId);
        if (existing != null) {
            return checkOwner(existing, caller);
        }
        synchronized (this) {
            existing = sessions.get(mcpSessionId);
            if (existing != null) {
                return checkOwner(existing, caller);
            }
            if (sessions.size() >= config.mcp().maxSessions()) {
                sweep(); // sessions ended since the last periodic sweep free their places now
            }
            if (sessions.size() >= config.mcp().maxSessions()) {
                throw new Refusal(SqlState.TOO_MANY_CONNECTIONS, "too many MCP sessions are open ("
                        + config.mcp().maxSessions() + "); end one (DELETE /mcp) or try again later");
            }
            McpSession s = new McpSession(mcpSessionId, caller.subject(), caller.groups(), applicationName,
                    vertx.getOrCreateContext(), login, limits);
            sessions.put(mcpSessionId, s);
            LOG.infof("MCP session %s: %s %s (%s)", mcpSessionId, caller.subject(), caller.groups(), applicationName);
            return s;
        }
    }

    private static McpSession checkOwner(McpSession s, Caller caller) {
        if (!s.subject().equals(caller.subject())) {
            LOG.warnf("MCP session %s of %s presented by %s: refused", s.id(), s.subject(), caller.subject());
            throw new Refusal(SqlState.INVALID_AUTHORIZATION, "this MCP session belongs to another identity");
        }
        if (!s.groups().equals(caller.groups())) {
            throw new Refusal(SqlState.INVALID_AUTHORIZATION,
                    "the token's groups changed since this MCP session started; start a new session");
        }
        return s;
    }

    /** Closes the listener sessions of MCP sessions that have ended. */
    void sweep() {
        sessions.forEach((id, s) -> {
            if (!connections.has(id) && sessions.remove(id, s)) {
                LOG.infof("MCP session %s ended: closing its session on the listener", id);
                s.close();
            }
        });
    }

    int openCount() {
        return sessions.size();
    }
}
