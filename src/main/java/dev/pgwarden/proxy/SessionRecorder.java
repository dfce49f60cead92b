package dev.pgwarden.proxy;

import dev.pgwarden.wire.PgError;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;

/**
 * The audit seam: what a session does, as the relay sees it. One per session, called on the
 * session's event loop in protocol order; implementations must not block. Frames passed in are
 * valid only during the call (they may be slices of pooled buffers): copy what you keep.
 */
public interface SessionRecorder {

    /**
     * Asked before a statement may run (Query, Parse, Execute, an allowed FunctionCall).
     *
     * @param verdict the gate's verdict (for Execute: null when its statement's decision at Parse stands, or
     *                the verdict on this run when it was decided again, see {@link StatementMeter#again})
     * @return null to let it run (the call is then followed by {@link #decided} or {@link #fromClient});
     *         otherwise the error it is refused with because the trail cannot take it (fail closed).
     *         The recorder then expects that error back and records nothing for it.
     */
    PgError admit(byte type, StatementGate.Verdict verdict);

    /**
     * A Query, Parse or FunctionCall and the gate's verdict on it (refusals too), before it goes upstream.
     *
     * @param sql the statement text the gate decided on, as read from the message once (null for FunctionCall)
     */
    void decided(byte type, Buffer buf, int start, int end, String sql, StatementGate.Verdict verdict);

    /** Bind, Describe, Execute, Close or Sync, as relayed upstream. */
    void fromClient(byte type, Buffer buf, int start, int end);

    /**
     * A message exactly as the client receives it (after masking and refusal substitution).
     *
     * @param rewritten the gateway made these bytes (a masked row, its own error); such a buffer may
     *                  hold several frames
     */
    void toClient(byte type, Buffer buf, int start, int end, boolean rewritten);

    /**
     * Before a ReadyForQuery goes to the client.
     *
     * @return a future the ReadyForQuery must wait for (what the client is about to see acknowledged
     *         becoming durable), or null to send it now. A failed future ends the session; its
     *         cause, when a {@link dev.pgwarden.wire.ProtocolException}, is the client's last error.
     */
    Future<Void> beforeReady();

    /** The session is over; {@code reason} says why (client terminated, upstream closed, an error). */
    void ended(String reason);

    /** Opens the recorder of a session that just logged in. */
    interface Factory {
        SessionRecorder open(SessionInfo session);
    }

    /** Records nothing (recording disabled, tests of the bare relay). */
    SessionRecorder NONE = new SessionRecorder() {
        @Override
        public PgError admit(byte type, StatementGate.Verdict verdict) {
            return null;
        }

        @Override
        public void decided(byte type, Buffer buf, int start, int end, String sql, StatementGate.Verdict verdict) {
        }

        @Override
        public void fromClient(byte type, Buffer buf, int start, int end) {
        }

        @Override
        public void toClient(byte type, Buffer buf, int start, int end, boolean rewritten) {
        }

        @Override
        public Future<Void> beforeReady() {
            return null;
        }

        @Override
        public void ended(String reason) {
        }
    };

    Factory OFF = session -> NONE;
}
