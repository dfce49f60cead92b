package dev.pgwarden.proxy;

import java.util.function.Consumer;
import java.util.List;

import dev.pgwarden.wire.Frames;
import dev.pgwarden.wire.FrontendMessages;
import dev.pgwarden.wire.MessageFramer;
import dev.pgwarden.wire.MessageTypes;
import dev.pgwarden.wire.MessageWriter;
import dev.pgwarden.wire.ObjectNames;
import dev.pgwarden.wire.PgError;
import dev.pgwarden.wire.ProtocolException;
import dev.pgwarden.wire.SqlState;
import io.vertx.core.Future;
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
    private final ResultTracker results;
    private final MessageFramer framer;
    private final Consumer<Future<?>> holdUntil;
    private Future<StatementGate.Verdict> heldVerdict;
    /** The decision on an Execute's rerun that the session waits for (see {@link #rerun}). */
    private Future<StatementGate.Verdict> heldRerun;
    /** The portal of the Execute being handled, when the gateway must describe it first (ResultTracker#execute). */
    private String describeFirst;
    /**
     * Extended-protocol messages were sent since the last Sync: the batch is open, and a Query or
     * FunctionCall sent now belongs to it (PostgreSQL skips it after an error in the batch).
     */
    private boolean extendedOpen;
    private final ResultLineage lineage;
    private final UpstreamToClient replies;
    private final Sessions sessions;
    private final ApprovalHolds approvals;
    private final SessionRecorder recorder;

    ClientToUpstream(BatchWriter upstream, RefusalTracker refusals, StatementGate gate, SessionInfo session,
            boolean allowFunctionCall, Runnable onTerminate, ResultTracker results, MessageFramer framer,
            Consumer<Future<?>> holdUntil, ResultLineage lineage, UpstreamToClient replies, Sessions sessions,
            ApprovalHolds approvals, SessionRecorder recorder) {
        this.upstream = upstream;
        this.refusals = refusals;
        this.gate = gate;
        this.session = session;
        this.allowFunctionCall = allowFunctionCall;
        this.onTerminate = onTerminate;
        this.results = results;
        this.framer = framer;
        this.holdUntil = holdUntil;
        this.lineage = lineage;
        this.replies = replies;
        this.sessions = sessions;
        this.approvals = approvals;
        this.recorder = recorder;
    }

    @Override
    public boolean onMessage(byte type, Buffer buf, int start, int end) {
        if (type == MessageTypes.SYNC) {
            extendedOpen = false;
        } else if (extended(type)) {
            extendedOpen = true;
        }
        switch (type) {
            case MessageTypes.QUERY -> {
                return onQuery(buf, start, end);
            }
            case MessageTypes.PARSE -> {
                return onParse(buf, start, end);
            }
            case MessageTypes.FUNCTION_CALL -> onFunctionCall(buf, start, end);
            case MessageTypes.TERMINATE -> {
                upstream.pass(buf, start, end);
                upstream.flush();
                onTerminate.run();
                return false;
            }
            case MessageTypes.BIND, MessageTypes.EXECUTE, MessageTypes.DESCRIBE, MessageTypes.CLOSE,
                    MessageTypes.SYNC -> {
                StatementGate.Verdict again = null;
                // the portal an Execute names, keyed as PostgreSQL keys it (decoded once: this is the hot path)
                String portal = type == MessageTypes.EXECUTE && results != null ? portalName(buf, start, end) : null;
                if (portal != null) {
                    Future<StatementGate.Verdict> f = heldRerun != null ? heldRerun : rerun(portal);
                    heldRerun = null;
                    if (f != null) {
                        if (!f.isComplete()) {
                            heldRerun = f;
                            upstream.flush();
                            framer.holdCurrent();
                            holdUntil.accept(f);
                            return false;
                        }
                        again = f.succeeded() ? f.result() : StatementGate.Verdict.refuse(PgError.error(
                                SqlState.INSUFFICIENT_PRIVILEGE, "pgwarden could not decide on this run of the "
                                        + "statement, so it was refused: " + f.cause().getMessage()));
                    }
                }
                PgError unrecorded = type == MessageTypes.EXECUTE ? recorder.admit(type, again) : null;
                if (portal != null && unrecorded == null && (again == null || again.refusal() == null)) {
                    PgError unknown = results.unknownPortal(portal);
                    again = unknown == null ? again : StatementGate.Verdict.refuse(unknown);
                }
                boolean refusedRun = unrecorded != null || again != null && again.refusal() != null;
                if (portal != null && !refusedRun) {
                    describeFirst = results.execute(portal) ? portal : null;
                } else if (results != null && !refusedRun) {
                    track(type, buf, start, end); // a refused Execute never runs: nothing of it to expect
                }
                if (type == MessageTypes.SYNC) {
                    replies.expectReady();
                }
                if (unrecorded != null) {
                    refuseExecute(unrecorded);
                } else if (again != null && again.refusal() != null) {
                    recorder.fromClient(type, buf, start, end); // recorded as the refused run it is
                    refuseExecute(again.refusal());
                } else {
                    recorder.fromClient(type, buf, start, end);
                    if (type == MessageTypes.EXECUTE && describeFirst != null) {
                        upstream.replace(FrontendMessages.describePortal(describeFirst)); // see ResultTracker#execute
                    }
                    upstream.pass(buf, start, end);
                }
                describeFirst = null;
            }
            case MessageTypes.FLUSH, MessageTypes.COPY_DATA, MessageTypes.COPY_DONE, MessageTypes.COPY_FAIL ->
                upstream.pass(buf, start, end);
            default -> throw new ProtocolException("invalid frontend message type " + (type & 0xff));
        }
        return true;
    }

    @Override
    public void onBatchEnd(Buffer buf) {
        upstream.flush();
    }

    /**
     * The gate's verdict, or null when it is not ready: the message is then held (the client is not
     * read meanwhile) and shown again once the verdict is in.
     */
    private StatementGate.Verdict verdict(String sql, boolean extended) {
        Future<StatementGate.Verdict> f = heldVerdict != null ? heldVerdict : decide(sql, extended);
        heldVerdict = null;
        if (!f.isComplete()) {
            heldVerdict = f;
            upstream.flush();
            framer.holdCurrent();
            holdUntil.accept(f);
            return null;
        }
        if (f.failed()) {
            // Fail closed: a statement the gate could not decide on does not run.
            return StatementGate.Verdict.refuse(PgError.error(SqlState.INSUFFICIENT_PRIVILEGE,
                    "pgwarden could not decide on this statement, so it was refused: " + f.cause().getMessage()));
        }
        return f.result();
    }

    /**
     * The policy's verdict, then (for allowed statements that need it) the planner's reading for
     * masking and masking.predicates, then a person's approval where a rule, or a budget whose lookups
     * the planner's count exceeds, requires one (the session waits): a statement the planner's reading
     * refuses is never put to an approver.
     */
    private Future<StatementGate.Verdict> decide(String sql, boolean extended) {
        Future<StatementGate.Verdict> v = gate.check(session, sql, extended);
        if (lineage != null) {
            v = v.succeeded() ? lineage.resolve(session, sql, v.result(), extended)
                    : v.compose(verdict -> lineage.resolve(session, sql, verdict, extended));
        }
        if (!v.succeeded()) {
            return v.compose(verdict -> approval(verdict.withinLookups()));
        }
        // the hot path (a cached verdict, nothing to approve) allocates nothing here
        StatementGate.Verdict decided = v.result().withinLookups();
        return decided.needsApproval() != null ? approval(decided) : v;
    }

    /**
     * An Execute that starts another run of a metered prepared statement is checked again (its budget
     * may be spent since its Parse): null when it runs as decided; else the verdict on this run, once
     * a person has decided where one must.
     */
    private Future<StatementGate.Verdict> rerun(String portal) {
        StatementGate.Verdict v = results.rerunCheck(portal);
        if (v == null) {
            return null;
        }
        return v.needsApproval() != null ? approvals.await(session, v, replies::notice) : Future.succeededFuture(v);
    }

    private Future<StatementGate.Verdict> approval(StatementGate.Verdict verdict) {
        if (verdict.needsApproval() == null) {
            return Future.succeededFuture(verdict);
        }
        return approvals.await(session, verdict, replies::notice);
    }

    /** What each statement of the verdict may stream (an approval's ceiling, or its rule's limit). */
    private static List<ResultLimit> limits(StatementGate.Verdict verdict) {
        if (verdict.approved() == null && verdict.limits().isEmpty()) {
            return List.of();
        }
        ResultLimit[] limits = new ResultLimit[verdict.statements().size()];
        for (int i = 0; i < limits.length; i++) {
            limits[i] = verdict.limitOf(i);
        }
        return java.util.Arrays.asList(limits);
    }

    private boolean onQuery(Buffer buf, int start, int end) {
        String sql = Frames.string(buf, start + 5, Frames.stringEnd(buf, start + 5, end));
        StatementGate.Verdict verdict = verdict(sql, false);
        if (verdict == null) {
            return false;
        }
        replies.expectReady();
        verdict = recorded(MessageTypes.QUERY, buf, start, end, sql, verdict);
        if (verdict.refusal() == null) {
            if (results != null) {
                results.query(verdict.statements(), verdict.masks(), limits(verdict), verdict.meters(), extendedOpen);
            }
            upstream.pass(buf, start, end);
            sessions.statementAllowed(verdict.approved() != null);
        } else {
            sessions.statementRefused();
            if (results != null) {
                results.query(List.of(), List.of(), List.of(), List.of(), extendedOpen);
            }
            upstream.replace(FrontendMessages.query(refusals.refuse(verdict.refusal())));
        }
        return true;
    }

    private boolean onParse(Buffer buf, int start, int end) {
        int nameEnd = Frames.stringEnd(buf, start + 5, end);
        int sqlEnd = Frames.stringEnd(buf, nameEnd + 1, end);
        String sql = Frames.string(buf, nameEnd + 1, sqlEnd);
        StatementGate.Verdict verdict = verdict(sql, true);
        if (verdict == null) {
            return false;
        }
        String name = Frames.string(buf, start + 5, nameEnd);
        forgetSqlPrepared(name);
        verdict = recorded(MessageTypes.PARSE, buf, start, end, sql, verdict);
        if (verdict.refusal() == null) {
            if (results != null) {
                StatementMeter meter = verdict.meterOf(0);
                if (verdict.approved() != null && verdict.approved().asked() != null) {
                    meter = new AskAgainOnRerun(meter, verdict.approved().asked());
                }
                results.parse(ObjectNames.protocol(name), sql, verdict.masksOf(0), verdict.limitOf(0), meter);
            }
            upstream.pass(buf, start, end);
            sessions.statementAllowed(verdict.approved() != null);
            return true;
        }
        sessions.statementRefused();
        if (results != null) {
            results.failing(); // its error makes PostgreSQL skip the rest of the batch
            if (name.isEmpty()) {
                // PostgreSQL drops the unnamed statement before parsing; a named one it keeps as it was
                results.forgetUnnamedStatement();
            }
        }
        // Same statement name, so a later Bind to it fails just as it would after a real Parse error.
        upstream.replace(MessageWriter.typed(MessageTypes.PARSE)
                .cstring(name).cstring(refusals.refuse(verdict.refusal())).int16(0).finish());
        return true;
    }

    /**
     * Hands the statement to the audit trail; one the trail cannot take is refused instead (fail
     * closed), with the trail's error.
     */
    private StatementGate.Verdict recorded(byte type, Buffer buf, int start, int end, String sql,
            StatementGate.Verdict verdict) {
        PgError unrecorded = recorder.admit(type, verdict);
        if (unrecorded != null) {
            return StatementGate.Verdict.refuse(unrecorded);
        }
        recorder.decided(type, buf, start, end, sql, verdict);
        return verdict;
    }

    /**
     * An Execute the audit trail cannot take: replaced by a Parse (under a name nobody uses) that
     * fails with the refusal marker, so PostgreSQL skips to Sync as for a failed Execute.
     */
    private void refuseExecute(PgError error) {
        sessions.statementRefused();
        if (results != null) {
            results.failing(); // its error makes PostgreSQL skip the rest of the batch
        }
        String marker = refusals.refuse(error);
        upstream.replace(MessageWriter.typed(MessageTypes.PARSE).cstring(marker).cstring(marker).int16(0).finish());
    }

    /**
     * Records the extended-protocol messages that decide which plan the rows coming back follow, with
     * every name keyed as PostgreSQL keys it ({@link ObjectNames#protocol}).
     */
    private void track(byte type, Buffer buf, int start, int end) {
        int pos = start + 5;
        switch (type) {
            case MessageTypes.BIND -> {
                int portalEnd = Frames.stringEnd(buf, pos, end);
                int stmtEnd = Frames.stringEnd(buf, portalEnd + 1, end);
                results.bind(ObjectNames.protocol(Frames.string(buf, pos, portalEnd)),
                        ObjectNames.protocol(Frames.string(buf, portalEnd + 1, stmtEnd)),
                        FrontendMessages.bindResultFormats(buf, stmtEnd + 1));
            }
            case MessageTypes.DESCRIBE, MessageTypes.CLOSE -> {
                byte kind = buf.getByte(pos);
                String name = Frames.string(buf, pos + 1, Frames.stringEnd(buf, pos + 1, end));
                if (type == MessageTypes.DESCRIBE) {
                    results.describe(kind, ObjectNames.protocol(name));
                } else {
                    if (kind == 'S') {
                        forgetSqlPrepared(name);
                    }
                    results.close(kind, ObjectNames.protocol(name));
                }
            }
            default -> results.sync(); // an Execute is tracked where it is checked
        }
    }

    /** An extended-protocol message that names a statement or portal (not Sync or Flush). */
    private static boolean extended(byte type) {
        return switch (type) {
            case MessageTypes.PARSE, MessageTypes.BIND, MessageTypes.DESCRIBE, MessageTypes.CLOSE,
                    MessageTypes.EXECUTE -> true;
            default -> false;
        };
    }

    /** The portal an Execute names, keyed as PostgreSQL keys it. */
    private static String portalName(Buffer buf, int start, int end) {
        return ObjectNames.protocol(Frames.string(buf, start + 5, Frames.stringEnd(buf, start + 5, end)));
    }

    /**
     * A Parse or Close of a named statement: SQL-level and protocol prepared statements share one
     * namespace, so an SQL EXECUTE of the name may now run another query than the PREPARE the gate saw
     * (or none, or the same: a Parse of a taken name fails): the name turns uncertain, and EXECUTE of it
     * is refused. So does a name the gate never saw PREPAREd: PostgreSQL refuses a later PREPARE of it as
     * a duplicate and keeps the protocol's statement, which the gate must not take for the PREPARE's.
     */
    private void forgetSqlPrepared(String name) {
        if (!name.isEmpty()) {
            session.sqlPrepared().put(ObjectNames.protocol(name), SessionInfo.UNCERTAIN);
        }
    }


    private void onFunctionCall(Buffer buf, int start, int end) {
        replies.expectReady();
        if (results != null) {
            results.query(List.of(), List.of(), List.of(), List.of(), extendedOpen); // it ends with ReadyForQuery
        }
        StatementGate.Verdict verdict = allowFunctionCall ? StatementGate.Verdict.allow("")
                : StatementGate.Verdict.refuse(FUNCTION_CALL_REFUSED);
        verdict = recorded(MessageTypes.FUNCTION_CALL, buf, start, end, null, verdict);
        if (verdict.refusal() == null) {
            upstream.pass(buf, start, end);
        } else {
            upstream.replace(FrontendMessages.query(refusals.refuse(verdict.refusal())));
        }
    }
}
