package dev.pgwarden.policy;

import java.util.Collection;
import java.util.List;
import java.util.Optional;

/** An immutable, validated policy document and the version (content hash) it was loaded from. */
public record Policy(List<RoleMapping> roles, String version) {

    /** First mapping whose group the principal has wins; none means the connection is refused. */
    public Optional<String> roleFor(Collection<String> groups) {
        for (RoleMapping m : roles) {
            if (groups.contains(m.group())) {
                return Optional.of(m.role());
            }
        }
        return Optional.empty();
    }
}
