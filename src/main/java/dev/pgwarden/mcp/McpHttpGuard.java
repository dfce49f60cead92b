package dev.pgwarden.mcp;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import dev.pgwarden.config.GatewayConfig;
import io.quarkiverse.mcp.server.JsonRpcErrorCodes;
import io.quarkus.security.AuthenticationException;
import io.quarkus.security.ForbiddenException;
import io.quarkus.security.UnauthorizedException;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

/**
 * Runs before everything else on {@code /mcp}: answers 404 when the endpoint is off and for the
 * MCP server's legacy SSE transport ({@code /mcp/sse}, {@code /mcp/messages/...}), which pgwarden
 * does not offer; reads request bodies with {@code pgwarden.mcp.max-request-size} as the limit,
 * so a larger one (declared or streamed) is refused with 413 and a JSON-RPC error before it is
 * parsed. Failures on {@code /mcp} (too large, no valid token) are answered here with a JSON-RPC
 * error body.
 */
@ApplicationScoped
public class McpHttpGuard {
    static final String PATH = "/mcp";
    /** Ahead of authentication and of the MCP server's own routes. */
    private static final int ORDER = -10_000;

    @Inject
    GatewayConfig config;

    void install(@Observes Router router) {
        boolean enabled = config.mcp().enabled();
        int limit = config.mcp().maxRequestSize();
        BodyHandler bodies = BodyHandler.create(false).setBodyLimit(limit);
        router.route().order(ORDER).handler(ctx -> {
            String path = ctx.normalizedPath();
            if (!path.equals(PATH) && !path.startsWith(PATH + "/")) {
                ctx.next();
            } else if (!enabled || !path.equals(PATH)) {
                ctx.response().setStatusCode(404).end();
            } else if (ctx.request().method() == HttpMethod.POST) {
                bodies.handle(ctx);
            } else {
                ctx.next();
            }
        }).failureHandler(ctx -> {
            if (!PATH.equals(ctx.normalizedPath()) || ctx.response().ended()) {
                ctx.next();
            } else if (ctx.statusCode() == 413) {
                refuse(ctx, 413, JsonRpcErrorCodes.INVALID_REQUEST, "request body larger than " + limit + " bytes");
            } else if (ctx.failure() instanceof AuthenticationException || ctx.failure() instanceof UnauthorizedException) {
                // Quarkus has set 401 and its challenge (WWW-Authenticate with resource_metadata); the MCP
                // server's own handler would read the body again, which was read here already.
                refuse(ctx, 401, JsonRpcErrorCodes.SECURITY_ERROR, "a valid OIDC access token is required");
            } else if (ctx.failure() instanceof ForbiddenException) {
                refuse(ctx, 403, JsonRpcErrorCodes.SECURITY_ERROR, "forbidden");
            } else {
                ctx.next();
            }
        });
    }

    private static void refuse(RoutingContext ctx, int status, int code, String message) {
        ctx.response().setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                .end(new JsonObject().put("jsonrpc", "2.0").putNull("id")
                        .put("error", new JsonObject().put("code", code).put("message", message)).encode());
    }
}
