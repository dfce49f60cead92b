package dev.pgwarden.proxy;

import java.util.function.Consumer;

import dev.pgwarden.wire.PgError;
import dev.pgwarden.wire.SqlState;
import io.vertx.core.Future;

/**
 * Where statements that need a person's approval wait. The session stays open and held (its
 * client is not read) until the future completes; other sessions are unaffected.
 */
public interface ApprovalHolds {

    /**
     * Called on the session's event loop for a verdict with {@link StatementGate.Verdict#needsApproval()}.
     *
     * @param notice writes a NoticeResponse to the client at once (the request's id, where to approve)
     * @return completes on the session's event loop: the verdict approved ({@link StatementGate.Verdict#approve}),
     *         or a refusal (denied 42501, expired 57014, or the request could not be made)
     */
    Future<StatementGate.Verdict> await(SessionInfo session, StatementGate.Verdict verdict, Consumer<PgError> notice);

    /** The session ended while (perhaps) waiting: its pending request is cancelled. */
    void sessionClosed(SessionInfo session);

    /**
     * The client sent a CancelRequest for the session (psql's Ctrl-C): a statement waiting for approval
     * ends with 57014 and its request is cancelled. Any thread.
     */
    default void cancelled(SessionInfo session) {
    }

    /** No approval flow: statements that need one are refused. */
    ApprovalHolds NONE = new ApprovalHolds() {
        @Override
        public Future<StatementGate.Verdict> await(SessionInfo session, StatementGate.Verdict verdict,
                Consumer<PgError> notice) {
            return Future.succeededFuture(StatementGate.Verdict.refuse(PgError.error(SqlState.INSUFFICIENT_PRIVILEGE,
                    java.util.Objects.requireNonNullElse(verdict.needsApproval().message(), "this statement needs approval")
                            + " (approval is required; no approval flow is configured)")));
        }

        @Override
        public void sessionClosed(SessionInfo session) {
        }
    };
}
