package dev.pgwarden.api;

import java.util.List;

import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import io.quarkus.security.Authenticated;
import io.quarkus.security.identity.SecurityIdentity;

/** Who the caller is and what they may do, so the console shows only what works for them. */
@Path("/api/me")
@Authenticated
public class MeResource {
    @Inject
    SecurityIdentity identity;
    @Inject
    Permissions permissions;

    public record Me(String subject, List<String> groups, Capabilities may) {
    }

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public Me me() {
        return new Me(identity.getPrincipal().getName(), List.copyOf(permissions.groupsOf(identity)),
                permissions.of(identity));
    }
}
