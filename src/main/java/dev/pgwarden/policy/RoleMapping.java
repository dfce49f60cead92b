package dev.pgwarden.policy;

/** One entry of the policy's {@code roles:} list: members of {@code group} act as database {@code role}. */
public record RoleMapping(String group, String role) {
}
