package dev.pgwarden.api;

import java.io.IOException;
import java.nio.file.Files;
import java.util.List;

import jakarta.inject.Inject;
import jakarta.ws.rs.BadRequestException;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import dev.pgwarden.app.GatewayServer;
import dev.pgwarden.config.GatewayConfig;
import dev.pgwarden.gate.PolicyGate;
import dev.pgwarden.policy.DecisionContext;
import dev.pgwarden.policy.Policy;
import dev.pgwarden.policy.PolicyStore;
import dev.pgwarden.policy.PolicyTester;
import io.quarkus.security.Authenticated;
import io.smallrye.common.annotation.Blocking;

/** The active policy, read-only, and a dry run of a statement against it ("policy test"). */
@Path("/api/policy")
@Authenticated
@Blocking
public class PolicyResource {
    @Inject
    PolicyStore store;
    @Inject
    PolicyGate gate;
    @Inject
    GroupAccess access;
    @Inject
    GatewayConfig config;
    @Inject
    GatewayServer server;

    public record PolicyView(String version, String file, String lastReloadError, String yaml) {
    }

    public record TestRequest(String subject, List<String> groups, String sql) {
    }

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public PolicyView view() throws IOException {
        access.requireAdmin();
        Policy p = store.current();
        String file = config.policy().file();
        return new PolicyView(p.version(), file, store.lastError(), Files.readString(java.nio.file.Path.of(file)));
    }

    /** What the gateway would decide for this principal and SQL, with the reason; nothing is run. */
    @POST
    @Path("/test")
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.TEXT_PLAIN)
    public String test(TestRequest request) {
        access.requireAdmin();
        if (request == null || request.sql() == null || request.subject() == null) {
            throw new BadRequestException("subject, groups and sql are required");
        }
        List<String> groups = request.groups() == null ? List.of() : request.groups();
        // functions' volatility as the gateway's own snapshot has it (restrictive while none is read)
        DecisionContext context = new DecisionContext(null, null, null,
                PolicyGate.volatilitySource(server.volatility()));
        return new PolicyTester(store.current(), gate.analyzer()).explain(request.subject(), groups, request.sql(),
                context);
    }
}
