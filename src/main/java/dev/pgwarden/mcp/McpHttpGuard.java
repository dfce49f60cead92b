package dev.pgwarden.mcp;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import dev.pgwarden.config.GatewayConfig;
import io.quarkiverse.mcp.server.JsonRpcErrorCodes;
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
 * parsed.
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
            if (ctx.statusCode() == 413 && PATH.equals(ctx.normalizedPath()) && !ctx.response().ended()) {
                ctx.response().setStatusCode(413).putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                        .putHeader(HttpHeaders.CONNECTION, "close")
                        .end(new JsonObject().put("jsonrpc", "2.0").putNull("id").put("error", new JsonObject()
                                .put("code", JsonRpcErrorCodes.INVALID_REQUEST)
                                .put("message", "request body larger than " + limit + " bytes")).encode());
            } else {
                ctx.next();
            }
        });
    }
}
