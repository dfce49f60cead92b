package dev.pgwarden.approvals;

import java.util.Set;

/**
 * Someone clicking Approve or Deny, already authenticated by their channel (a verified Slack
 * signature, an OIDC session) and already checked against that channel's approver list.
 *
 * @param displayName how the decision is shown ("alice (Slack)")
 * @param identities  every name this person is known by (OIDC subject, Slack user id, e-mail):
 *                    none of them may be the requester's, so nobody approves their own request
 */
public record Approver(String displayName, Set<String> identities) {
}
