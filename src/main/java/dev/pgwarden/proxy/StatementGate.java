package dev.pgwarden.proxy;

import java.util.List;

import dev.pgwarden.masking.StatementMasks;
import dev.pgwarden.wire.PgError;
import io.vertx.core.Future;

/**
 * The policy seam: every simple-query string and every Parse'd statement passes here before it
 * reaches PostgreSQL. A refusal makes the gateway answer with that error in the statement's place
 * (in order, with the protocol's skip-to-Sync semantics); an allowed statement carries what its
 * analysis knows about its result columns, for masking.
 */
public interface StatementGate {

    /**
     * @param refusal       null when allowed
     * @param statements    the statements of a simple-query string, in order (one for Parse)
     * @param masks         lineage per statement (same order), or empty when unknown
     * @param needsApproval non-null when a person must approve before the statements run
     * @param approved      non-null once they have: the approval, and the row ceiling it carries
     * @param rule          the policy rule that decided, or null (the default, or no policy)
     * @param policyVersion the policy version that decided, or null (no policy)
     * @param limits        how much each statement (same order) may stream, null entries for none; may be empty
     * @param meters        what counts each statement's result (same order), null entries for none; may be empty
     * @param fingerprint   the fingerprint of the text it was decided on: texts that differ only in numeric
     *                      literals share it, and share what was decided for them; null when none was taken
     */
    record Verdict(PgError refusal, List<String> statements, List<StatementMasks> masks, ApprovalNeed needsApproval,
            Approved approved, String rule, String policyVersion, List<ResultLimit> limits,
            List<StatementMeter> meters, String fingerprint) {

        public Verdict(PgError refusal, List<String> statements, List<StatementMasks> masks) {
            this(refusal, statements, masks, null, null, null, null, List.of());
        }

        public Verdict(PgError refusal, List<String> statements, List<StatementMasks> masks,
                ApprovalNeed needsApproval, Approved approved, String rule, String policyVersion) {
            this(refusal, statements, masks, needsApproval, approved, rule, policyVersion, List.of());
        }

        public Verdict(PgError refusal, List<String> statements, List<StatementMasks> masks,
                ApprovalNeed needsApproval, Approved approved, String rule, String policyVersion,
                List<ResultLimit> limits) {
            this(refusal, statements, masks, needsApproval, approved, rule, policyVersion, limits, List.of());
        }

        public Verdict(PgError refusal, List<String> statements, List<StatementMasks> masks,
                ApprovalNeed needsApproval, Approved approved, String rule, String policyVersion,
                List<ResultLimit> limits, List<StatementMeter> meters) {
            this(refusal, statements, masks, needsApproval, approved, rule, policyVersion, limits, meters, null);
        }

        /**
         * What statement {@code i} may stream: an approval's ceiling, else its rule's limit, else null.
         */
        public ResultLimit limitOf(int i) {
            if (approved != null && approved.rowCeiling() != Long.MAX_VALUE) {
                return ResultLimit.ceiling(approved);
            }
            return i < limits.size() ? limits.get(i) : null;
        }

        /** What counts statement {@code i}'s result, or null. */
        public StatementMeter meterOf(int i) {
            return i < meters.size() ? meters.get(i) : null;
        }

        /** The same verdict with per-statement meters. */
        public Verdict withMeters(List<StatementMeter> newMeters) {
            return new Verdict(refusal, statements, masks, needsApproval, approved, rule, policyVersion, limits,
                    newMeters, fingerprint);
        }

        /** The same verdict with other per-statement stream limits. */
        public Verdict withLimits(List<ResultLimit> newLimits) {
            return new Verdict(refusal, statements, masks, needsApproval, approved, rule, policyVersion, newLimits,
                    meters, fingerprint);
        }

        /** The same verdict, held for {@code need} (and deciding as its rule) before it runs. */
        public Verdict holdFor(ApprovalNeed need) {
            return new Verdict(refusal, statements, masks, need, approved, need.rule(), need.policyVersion(), limits,
                    meters, fingerprint);
        }

        public static Verdict allow(String sql) {
            return new Verdict(null, List.of(sql), List.of());
        }

        /** A statement that must wait for {@code need}'s approval (a limit crossed while it streams). */
        public static Verdict needing(ApprovalNeed need) {
            return new Verdict(null, List.of(need.text()), List.of(), need, null, need.rule(), need.policyVersion());
        }

        public static Verdict refuse(PgError error) {
            return new Verdict(error, List.of(), List.of());
        }

        public StatementMasks masksOf(int i) {
            return i < masks.size() ? masks.get(i) : StatementMasks.UNKNOWN;
        }

        /** Equality lookups on masked columns the statements make, all together (see {@link StatementMasks#equalityLookups()}). */
        public int equalityLookups() {
            int n = 0;
            for (StatementMasks m : masks) {
                n += m.equalityLookups();
            }
            return n;
        }

        /**
         * Once the planner has counted each statement's equality lookups on masked columns: the verdict
         * held for the first budget whose lookups left they exceed, or this one (nothing metered, or
         * already held or approved). The statements of one string are all decided before any runs, so
         * each is checked with the lookups of the metered ones before it.
         */
        public Verdict withinLookups() {
            if (meters.isEmpty() || refusal != null || needsApproval != null || approved != null) {
                return this;
            }
            int sofar = 0;
            for (int i = 0; i < meters.size(); i++) {
                StatementMeter m = meters.get(i);
                int n = masksOf(i).equalityLookups();
                sofar += m == null ? 0 : n;
                ApprovalNeed past = m == null || n == 0 ? null : m.pastLookups(sofar);
                if (past != null) {
                    return holdFor(past);
                }
            }
            return this;
        }

        /** The same verdict with other per-statement lineage. */
        public Verdict withMasks(List<StatementMasks> newMasks) {
            return new Verdict(refusal, statements, newMasks, needsApproval, approved, rule, policyVersion, limits,
                    meters, fingerprint);
        }

        /** What an approval turns this verdict into: allowed, carrying the approval (and what it was asked for). */
        public Verdict approve(Approved approval) {
            Approved a = approval.asked() == null && needsApproval != null
                    ? new Approved(approval.approvalId(), approval.rowCeiling(), needsApproval) : approval;
            return new Verdict(null, statements, masks, null, a, rule, policyVersion, limits, meters, fingerprint);
        }

        /** The approval id behind this verdict, or null (for the audit trail). */
        public String approvalId() {
            return approved == null ? null : approved.approvalId();
        }
    }

    /**
     * A rule requires approval.
     *
     * @param rule          the rule's name
     * @param message       the rule's message (why approval is needed)
     * @param policyVersion the policy version that decided
     * @param estimatedRows the planner's row estimate, if the rule asked for one (-1 when not)
     * @param grantMinutes  how long an approval covers the same statement for the same person (0: this once)
     * @param text          the statement text as the client sent it
     * @param fingerprint   the text with literals normalised (what a grant covers)
     */
    record ApprovalNeed(String rule, String message, String policyVersion, long estimatedRows, int grantMinutes,
            String text, String fingerprint) {
    }

    /**
     * @param approvalId the approval request
     * @param rowCeiling rows the statement may return before the gateway cancels it (Long.MAX_VALUE: no ceiling)
     * @param asked      what the person approved, or null (a budget's grant): another run of a prepared
     *                   statement asks it again (a grant window, if the rule has one, answers at once)
     */
    record Approved(String approvalId, long rowCeiling, ApprovalNeed asked) {
        public Approved(String approvalId, long rowCeiling) {
            this(approvalId, rowCeiling, null);
        }
    }

    /**
     * Called on the session's event loop; must not block it. A verdict that needs work (parsing a
     * new statement, asking the planner) completes later, and the session waits for it.
     */
    Future<Verdict> check(SessionInfo session, String sql, boolean extendedProtocol);

    /** PostgreSQL's catalog changed ({@link CatalogWatch}): verdicts made on the old one must not be reused. */
    default void catalogChanged() {
    }

    /** Everything passes (tests of the bare relay). */
    StatementGate PASS_THROUGH = (session, sql, extended) -> Future.succeededFuture(Verdict.allow(sql));
}
