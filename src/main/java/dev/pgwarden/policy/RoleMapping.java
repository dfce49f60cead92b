package dev.pgwarden.policy;

/**
 * One entry of the policy's {@code roles:} list: members of {@code group} act as database {@code role}.
 *
 * @param readOnly sessions run with {@code default_transaction_read_only = on}, set by the gateway at login, and
 *                 every statement that would turn it off is refused
 */
public record RoleMapping(String group, String role, boolean readOnly) {

    public RoleMapping(String group, String role) {
        this(group, role, false);
    }
}
