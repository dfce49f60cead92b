package dev.pgwarden.audit;

import io.vertx.core.Promise;

/**
 * One statement of a session: what ran, the decision on it, how it ended and what the client got
 * back. Filled in on the session's event loop, then handed to the writer once finished.
 */
final class StatementRecord extends AuditEvent {
    final SessionRecord session;
    /** Assigned when the statement ends: statements that never ran leave no gap. */
    int seq;
    /** As sent; the writer masks PII literals in it before hashing and storing (see RecordRenderer#text). */
    String text;
    final BindParameters parameters;
    String decision;
    final String rule;
    final String policyVersion;
    final String approvalId;
    long startedAt;
    long finishedAt;
    Long rowCount;
    String sqlState;
    String message;
    long byteCount;
    final ResultCapture result;

    // Writer thread only: rendered once, so a retried batch hashes and stores the same text.
    String parametersJson;
    String resultJson;
    String hash;

    StatementRecord(Promise<Void> durable, SessionRecord session, String text, BindParameters parameters,
            String decision, String rule, String policyVersion, String approvalId, long startedAt,
            ResultCapture result) {
        super(durable);
        this.session = session;
        this.text = text;
        this.parameters = parameters;
        this.decision = decision;
        this.rule = rule;
        this.policyVersion = policyVersion;
        this.approvalId = approvalId;
        this.startedAt = startedAt;
        this.result = result;
    }

    @Override
    long bytes() {
        return 128 + 2L * text.length() + (parameters == null ? 0 : parameters.bytes()) + result.bytes();
    }
}
