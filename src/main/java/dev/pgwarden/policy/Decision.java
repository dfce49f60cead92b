package dev.pgwarden.policy;

import java.util.List;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;

import dev.pgwarden.sql.ColumnRef;
import dev.pgwarden.sql.StatementKind;
import dev.pgwarden.sql.TableName;

/**
 * The verdict on a statement (or a whole simple-query string).
 *
 * @param action        what to do
 * @param basis         why: a rule, the default, or one of pgwarden's own refusals
 * @param sqlState      the SQLSTATE to report when not allowed (42501); null when allowed
 * @param message       for the client when not allowed; null when allowed
 * @param rule          the deciding rule's name; null when no rule decided
 * @param policyVersion the policy version that decided
 * @param kinds         statement kinds seen
 * @param tables        tables touched
 * @param estimatedRows the planner estimate used, if one was asked for
 * @param grantMinutes  for REQUIRE_APPROVAL: how long the approval lasts, if the rule says
 * @param derivedMasked masked columns the result computes values from; the masking stage masks those values
 *                      whole (only non-empty when {@code masking.on_derived} is mask)
 * @param cause         for a refusal or approval by rule: what in the statement made a condition hold that the
 *                      statement text does not show (the volatile function it reaches); null otherwise
 * @param provisional   made on a name the catalog snapshot could not resolve (read restrictively): decide again
 *                      next time rather than remember it
 * @param streamLimits  for an allowed decision, per statement (in order): how much it may stream before the gateway
 *                      stops it, or null where no {@code estimated_rows_over} rule applies; empty otherwise
 */
public record Decision(Action action, Basis basis, String sqlState, String message, String rule,
        String policyVersion, Set<StatementKind> kinds, Set<TableName> tables, OptionalLong estimatedRows,
        OptionalInt grantMinutes, Set<ColumnRef> derivedMasked, String cause, boolean provisional,
        List<StreamLimit> streamLimits) {

    public Decision(Action action, Basis basis, String sqlState, String message, String rule, String policyVersion,
            Set<StatementKind> kinds, Set<TableName> tables, OptionalLong estimatedRows, OptionalInt grantMinutes,
            Set<ColumnRef> derivedMasked) {
        this(action, basis, sqlState, message, rule, policyVersion, kinds, tables, estimatedRows, grantMinutes,
                derivedMasked, null, false, List.of());
    }

    /** Statement {@code i}'s stream limit, or null. */
    public StreamLimit streamLimitOf(int i) {
        return i < streamLimits.size() ? streamLimits.get(i) : null;
    }

    /** Whether any statement has a stream limit. */
    public boolean streamLimited() {
        for (StreamLimit l : streamLimits) {
            if (l != null) {
                return true;
            }
        }
        return false;
    }

    /** insufficient_privilege, for everything pgwarden does not let through. */
    public static final String INSUFFICIENT_PRIVILEGE = "42501";

    public enum Basis {
        /** A policy rule matched. */
        RULE,
        /** No rule matched: the policy's default. */
        DEFAULT,
        /** The statement would leave the role the gateway set. */
        ROLE_CHANGE,
        /** The statement would change how the server reads SQL text. */
        GATEWAY_SETTING,
        /** pgwarden could not tell what the statement touches. */
        UNANALYSABLE,
        /** EXECUTE of a statement pgwarden did not see prepared. */
        UNKNOWN_PREPARED,
        /** The result would compute values from masked columns and masking.on_derived is block. */
        DERIVED_MASKED,
        /** No statement at all (an empty query). */
        EMPTY
    }

    public boolean allowed() {
        return action == Action.ALLOW;
    }
}
