package dev.pgwarden.approvals;

import java.time.Instant;
import java.util.List;
import java.util.OptionalLong;

/**
 * What approvers are shown about a held statement (Slack card, Teams card, console).
 *
 * @param id            the approval request id
 * @param subject       who asked (the token's subject)
 * @param groups        the requester's groups
 * @param database      the database served
 * @param statement     the statement text (channels truncate it for display)
 * @param estimatedRows the planner's estimate, when a rule asked for one
 * @param rule          the policy rule that asked for approval
 * @param clientAddress where the session comes from
 * @param expiresAt     when the request expires undecided
 * @param approvalUrl   the console page for this request (absolute when a public URL is configured)
 */
public record ApprovalCard(String id, String subject, List<String> groups, String database, String statement,
        OptionalLong estimatedRows, String rule, String clientAddress, Instant expiresAt, String approvalUrl) {
}
