package dev.pgwarden.mcp;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import dev.pgwarden.approvals.ApprovalLinks;
import dev.pgwarden.config.GatewayConfig;
import dev.pgwarden.identity.GroupsClaim;
import dev.pgwarden.policy.PolicyStore;
import dev.pgwarden.wire.PgError;
import io.quarkiverse.mcp.server.Implementation;
import io.quarkiverse.mcp.server.JsonRpcErrorCodes;
import io.quarkiverse.mcp.server.McpConnection;
import io.quarkiverse.mcp.server.McpException;
import io.quarkiverse.mcp.server.Progress;
import io.quarkiverse.mcp.server.ToolManager.ToolArguments;
import io.quarkiverse.mcp.server.ToolResponse;
import io.quarkus.oidc.AccessTokenCredential;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.vertx.http.runtime.CurrentVertxRequest;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * What each tool does: find the caller's session, hand the statement to it, shape the answer.
 * No guard lives here: whether a statement may run, what is masked, whether a person must approve,
 * how many rows may flow and what is recorded are all decided by the gateway's listener the
 * session runs on.
 */
@ApplicationScoped
public class McpToolCalls {
    private static final String UNDEFINED_TABLE = "42P01";
    private static final String UNDEFINED_OBJECT = "42704";

    @Inject
    McpSessions sessions;
    @Inject
    GatewayConfig config;
    @Inject
    PolicyStore policy;
    @Inject
    SecurityIdentity identity;
    @Inject
    CurrentVertxRequest request;

    private ToolReplies replies;
    private GroupsClaim groupsClaim;

    @PostConstruct
    void init() {
        replies = new ToolReplies(config.mcp().rowCap());
        groupsClaim = new GroupsClaim(config.identity().groupsClaim());
    }

    Uni<ToolResponse> query(ToolArguments args) {
        McpSession.Statement statement = new McpSession.Statement(requiredString(args, "sql"), parameters(args));
        return statement(args, statement);
    }

    Uni<ToolResponse> explain(ToolArguments args) {
        // Options in parentheses first: "EXPLAIN (...) ANALYZE ..." is a syntax error, so no text
        // appended here can turn the plan into an execution.
        String sql = "EXPLAIN (COSTS true) " + requiredString(args, "sql");
        return statement(args, new McpSession.Statement(sql, parameters(args)));
    }

    Uni<ToolResponse> listTables(ToolArguments args) {
        List<String> params = new ArrayList<>();
        params.add(optionalString(args, "schema"));
        return call(args, (s, caller, links) -> s.execute(new McpSession.Statement(CatalogQueries.LIST_TABLES, params),
                caller.token(), watcher(args.progress(), links))
                .map(r -> r instanceof McpSession.Done d && d.outcome().error() == null
                        ? CatalogQueries.tables(d.outcome(), replies)
                        : reply(r, links, 0)));
    }

    Uni<ToolResponse> describeTable(ToolArguments args) {
        CatalogQueries.TableName name;
        try {
            name = CatalogQueries.TableName.parse(requiredString(args, "table"));
        } catch (IllegalArgumentException e) {
            throw new McpException(e.getMessage(), JsonRpcErrorCodes.INVALID_PARAMS);
        }
        McpSession.Statement st = new McpSession.Statement(CatalogQueries.DESCRIBE_TABLE, List.of(name.schema(), name.table()));
        return call(args, (s, caller, links) -> s.execute(st, caller.token(), watcher(args.progress(), links)).map(r -> {
            if (r instanceof McpSession.Done d && d.outcome().error() == null) {
                ToolResponse described = CatalogQueries.columns(name, d.outcome(), policy.current().masking(), replies);
                return described != null ? described
                        : replies.error(PgError.error(UNDEFINED_TABLE, "table " + name
                                + " does not exist, or your role may read none of its columns"), null, List.of());
            }
            return reply(r, links, 0);
        }));
    }

    Uni<ToolResponse> approvalStatus(ToolArguments args) {
        String id = requiredString(args, "approval_id");
        return call(args, (s, caller, links) -> s.awaitApproval(id, watcher(args.progress(), links)).map(r -> r == null
                ? replies.error(PgError.error(UNDEFINED_OBJECT,
                        "no statement of this MCP session waits under approval " + id
                                + " (its result was already returned, or it belongs to another session)"),
                        null, List.of())
                : reply(r, links, config.mcp().approvalWait().toSeconds())));
    }

    private Uni<ToolResponse> statement(ToolArguments args, McpSession.Statement statement) {
        return call(args, (s, caller, links) -> s.execute(statement, caller.token(), watcher(args.progress(), links))
                .map(r -> reply(r, links, config.mcp().approvalWait().toSeconds())));
    }

    private ToolResponse reply(McpSession.Reply r, ReviewLinks links, long waitedSeconds) {
        if (r instanceof McpSession.Done d) {
            return replies.result(d.outcome(), d.approvalId());
        }
        if (r instanceof McpSession.Pending p) {
            return replies.pending(p.held(), links.of(p.held().approvalId()), waitedSeconds);
        }
        McpSession.Held h = ((McpSession.Busy) r).held();
        return replies.busy(h, links.of(h.approvalId()));
    }

    private interface SessionCall {
        Future<ToolResponse> run(McpSession session, McpSessions.Caller caller, ReviewLinks links);
    }

    /** Resolves the caller and the session on the request's thread, then runs the call. */
    private Uni<ToolResponse> call(ToolArguments args, SessionCall body) {
        McpSessions.Caller caller = caller();
        ReviewLinks links = reviewLinks();
        McpSession session;
        try {
            session = sessions.sessionFor(args.connection().id(), caller, applicationName(args.connection()));
        } catch (McpSessions.Refusal e) {
            return Uni.createFrom().item(replies.error(e.error(), null, List.of()));
        }
        return Uni.createFrom().completionStage(() -> body.run(session, caller, links).toCompletionStage());
    }

    private McpSessions.Caller caller() {
        AccessTokenCredential token = identity.getCredential(AccessTokenCredential.class);
        if (identity.isAnonymous() || token == null) {
            // The HTTP layer admits only bearer-token requests to /mcp; this is the fail-closed backstop.
            throw new McpException("an OIDC access token is required", JsonRpcErrorCodes.SECURITY_ERROR);
        }
        Set<String> groups = groupsClaim.read(token.getToken());
        return new McpSessions.Caller(identity.getPrincipal().getName(), groups, token.getToken());
    }

    /** The console page of a request: the configured public URL, else the origin this request came to. */
    private ReviewLinks reviewLinks() {
        String origin = "";
        if (config.approvals().publicUrl().isEmpty() && request.getCurrent() != null) {
            var r = request.getCurrent().request();
            origin = r.scheme() + "://" + r.authority();
        }
        String base = origin;
        return id -> base + ApprovalLinks.page(config.approvals().publicUrl(), id);
    }

    interface ReviewLinks {
        String of(String approvalId);
    }

    /** Progress notifications while a call waits for a decision, when the client asked for progress. */
    private McpSession.ApprovalWatcher watcher(Progress progress, ReviewLinks links) {
        long waitSeconds = config.mcp().approvalWait().toSeconds();
        return new McpSession.ApprovalWatcher() {
            @Override
            public void held(McpSession.Held h) {
                send(0, "pgwarden holds the statement for approval " + h.approvalId() + " (rule " + h.rule()
                        + "); review it at " + links.of(h.approvalId()) + "; waiting up to " + waitSeconds + " s");
            }

            @Override
            public void waiting(McpSession.Held h, long waitedMillis) {
                send(waitedMillis / 1000, "still waiting for approval " + h.approvalId() + " ("
                        + waitedMillis / 1000 + " of " + waitSeconds + " s)");
            }

            private void send(long waited, String message) {
                if (progress.token().isPresent()) {
                    progress.notificationBuilder().setProgress(waited).setTotal(Math.max(waitSeconds, 1))
                            .setMessage(message).build().sendAndForget();
                }
            }
        };
    }

    /** {@code mcp:<client>/<version>}, as the audit trail and the console show it (PostgreSQL keeps 63 ASCII bytes). */
    static String applicationName(McpConnection connection) {
        Implementation client = connection.initialRequest() == null ? null : connection.initialRequest().implementation();
        return client == null ? applicationName("unknown", null) : applicationName(client.name(), client.version());
    }

    static String applicationName(String clientName, String clientVersion) {
        String name = clientName + (clientVersion == null ? "" : "/" + clientVersion);
        StringBuilder sb = new StringBuilder("mcp:");
        for (int i = 0; i < name.length() && sb.length() < 63; i++) {
            char c = name.charAt(i);
            sb.append(c >= 0x20 && c < 0x7f ? c : '?');
        }
        return sb.toString();
    }

    private static String requiredString(ToolArguments args, String name) {
        Object v = args.args().get(name);
        if (!(v instanceof String s) || s.isBlank()) {
            throw new McpException("argument '" + name + "' is required and must be a non-empty string",
                    JsonRpcErrorCodes.INVALID_PARAMS);
        }
        return s;
    }

    private static String optionalString(ToolArguments args, String name) {
        Object v = args.args().get(name);
        if (v == null) {
            return null;
        }
        if (!(v instanceof String s)) {
            throw new McpException("argument '" + name + "' must be a string", JsonRpcErrorCodes.INVALID_PARAMS);
        }
        return s;
    }

    /** Parameters as PostgreSQL text: strings as they are, numbers and booleans in their JSON spelling. */
    static List<String> parameters(ToolArguments args) {
        Object v = args.args().get("parameters");
        if (v == null) {
            return List.of();
        }
        List<?> values = v instanceof JsonArray a ? a.getList() : v instanceof List<?> l ? l : null;
        if (values == null) {
            throw new McpException("argument 'parameters' must be an array", JsonRpcErrorCodes.INVALID_PARAMS);
        }
        List<String> out = new ArrayList<>(values.size());
        for (Object p : values) {
            out.add(text(p));
        }
        return out;
    }

    private static String text(Object p) {
        if (p == null || p instanceof String) {
            return (String) p;
        }
        if (p instanceof BigDecimal d) {
            return d.toPlainString();
        }
        if (p instanceof Number || p instanceof Boolean) {
            return p.toString();
        }
        if (p instanceof Map<?, ?> m) {
            return new JsonObject(castMap(m)).encode(); // a JSON document for a json/jsonb parameter
        }
        if (p instanceof List<?> l) {
            return new JsonArray(new ArrayList<>(l)).encode();
        }
        if (p instanceof JsonObject || p instanceof JsonArray) {
            return p.toString();
        }
        throw new McpException("unsupported parameter value " + p, JsonRpcErrorCodes.INVALID_PARAMS);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> castMap(Map<?, ?> m) {
        return (Map<String, Object>) m;
    }
}
