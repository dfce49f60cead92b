package dev.pgwarden.policy;

import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * An immutable, validated policy document and the version (content hash) it was loaded from.
 *
 * @param roles         group to database role, first match wins
 * @param masking       the {@code masking:} section
 * @param rules         statement rules, first match wins
 * @param defaultAction what happens when no rule matches
 * @param version       short SHA-256 of the file bytes
 * @param source        where it was loaded from, for messages
 * @param budgets       per-identity budgets, in file order
 */
public record Policy(List<RoleMapping> roles, MaskingSection masking, List<Rule> rules, Action defaultAction,
        String version, String source, List<Budget> budgets) {

    /** A policy with only a role mapping: no masking, no rules, everything allowed. */
    public Policy(List<RoleMapping> roles, String version) {
        this(roles, MaskingSection.NONE, List.of(), Action.ALLOW, version, "<memory>");
    }

    /** A policy without budgets. */
    public Policy(List<RoleMapping> roles, MaskingSection masking, List<Rule> rules, Action defaultAction,
            String version, String source) {
        this(roles, masking, rules, defaultAction, version, source, List.of());
    }

    /** First mapping whose group the principal has wins; none means the connection is refused. */
    public Optional<RoleMapping> mappingFor(Collection<String> groups) {
        for (RoleMapping m : roles) {
            if (groups.contains(m.group())) {
                return Optional.of(m);
            }
        }
        return Optional.empty();
    }

    /** The database role of {@link #mappingFor}. */
    public Optional<String> roleFor(Collection<String> groups) {
        return mappingFor(groups).map(RoleMapping::role);
    }

    /** Whether sessions of a principal in these groups are read-only ({@code roles[].read_only}). */
    public boolean readOnlyFor(Collection<String> groups) {
        return mappingFor(groups).map(RoleMapping::readOnly).orElse(false);
    }

    /** The budget with this name, if any. */
    public Optional<Budget> budget(String name) {
        return budgets.stream().filter(b -> b.name().equals(name)).findFirst();
    }

    /** The rule with this name, if any. */
    public Optional<Rule> rule(String name) {
        return rules.stream().filter(r -> r.name().equals(name)).findFirst();
    }
}
