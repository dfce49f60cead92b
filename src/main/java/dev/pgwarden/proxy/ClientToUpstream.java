package dev.pgwarden.proxy;

import dev.pgwarden.wire.FrontendMessages;
import dev.pgwarden.wire.MessageFramer;
import dev.pgwarden.wire.MessageTypes;
import dev.pgwarden.wire.MessageWriter;
import dev.pgwarden.wire.PgError;
import dev.pgwarden.wire.ProtocolException;
import dev.pgwarden.wire.SqlState;
import io.vertx.core.buffer.Buffer;

/** Relays client messages upstream, asking the statement gate about every Query and Parse. */
final class ClientToUpstream implements MessageFramer.Visitor {
    static final PgError FUNCTION_CALL_REFUSED = PgError.error(SqlState.INSUFFICIENT_PRIVILEGE,
            "FunctionCall protocol messages are refused by pgwarden: they carry no SQL a policy can inspect")
            .withHint("call the function from a SELECT statement instead");

    private final BatchWriter upstream;
    private final RefusalTracker refusals;
    private final StatementGate gate;
    private final SessionInfo session;
    private final boolean allowFunctionCall;
    private final Runnable onTerminate;

    ClientToUpstream(BatchWriter upstream, RefusalTracker refusals, StatementGate gate, SessionInfo session,
            boolean allowFunctionCall, Runnable onTerminate) {
        this.upstream = upstream;
        this.refusals = refusals;
        this.gate = gate;
        this.session = session;
        this.allowFunctionCall = allowFunctionCall;
        this.onTerminate = onTerminate;
    }

    @Override
    public boolean onMessage(byte type, Buffer buf, int start, int end) {
        switch (type) {
            case MessageTypes.QUERY -> onQuery(buf, start, end);
            case MessageTypes.PARSE -> onParse(buf, start, end);
            case MessageTypes.FUNCTION_CALL -> onFunctionCall(buf, start, end);
            case MessageTypes.TERMINATE -> {
                upstream.pass(buf, start, end);
                upstream.flush();
                onTerminate.run();
                return false;
            }
            case MessageTypes.SYNC, MessageTypes.BIND, MessageTypes.EXECUTE, MessageTypes.DESCRIBE, MessageTypes.CLOSE,
                    MessageTypes.FLUSH, MessageTypes.COPY_DATA, MessageTypes.COPY_DONE, MessageTypes.COPY_FAIL ->
                upstream.pass(buf, start, end);
            default -> throw new ProtocolException("invalid frontend message type " + (type & 0xff));
        }
        return true;
    }

    @Override
    public void onBatchEnd(Buffer buf) {
        upstream.flush();
    }

    private void onQuery(Buffer buf, int start, int end) {
        int nul = Frames.stringEnd(buf, start + 5, end);
        PgError refusal = gate.check(session, Frames.string(buf, start + 5, nul), false);
        if (refusal == null) {
            upstream.pass(buf, start, end);
        } else {
            upstream.replace(FrontendMessages.query(refusals.refuse(refusal)));
        }
    }

    private void onParse(Buffer buf, int start, int end) {
        int nameEnd = Frames.stringEnd(buf, start + 5, end);
        int sqlEnd = Frames.stringEnd(buf, nameEnd + 1, end);
        PgError refusal = gate.check(session, Frames.string(buf, nameEnd + 1, sqlEnd), true);
        if (refusal == null) {
            upstream.pass(buf, start, end);
            return;
        }
        // Same statement name, so a later Bind to it fails just as it would after a real Parse error.
        String name = Frames.string(buf, start + 5, nameEnd);
        upstream.replace(MessageWriter.typed(MessageTypes.PARSE)
                .cstring(name).cstring(refusals.refuse(refusal)).int16(0).finish());
    }

    private void onFunctionCall(Buffer buf, int start, int end) {
        if (allowFunctionCall) {
            upstream.pass(buf, start, end);
        } else {
            upstream.replace(FrontendMessages.query(refusals.refuse(FUNCTION_CALL_REFUSED)));
        }
    }
}
