package dev.pgwarden.proxy;

import java.util.List;
import java.util.Set;
import java.util.function.Function;

import io.vertx.core.Future;
import java.util.function.Consumer;
import dev.pgwarden.wire.BackendMessages;
import dev.pgwarden.wire.MessageFramer;
import dev.pgwarden.wire.MessageTypes;
import dev.pgwarden.wire.PgError;
import dev.pgwarden.wire.SqlState;
import io.vertx.core.buffer.Buffer;

/**
 * Relays server messages to the client untouched, except the errors that stand for a refusal.
 * The result-stream seams (masking, audit capture) hook in here.
 */
final class UpstreamToClient implements MessageFramer.Visitor {
    /** Errors PostgreSQL gives a statement decided on a catalog that has since changed. */
    private static final Set<String> CATALOG_ERRORS = Set.of("42501", "42P01", "42703", "42704", "42883", "3F000",
            "0A000");
    private static final List<String> CATALOG_TAGS = List.of("CREATE ", "ALTER ", "DROP ", "GRANT", "REVOKE");

    private final BatchWriter client;
    private final Runnable catalogSuspect;
    private boolean catalogChangePending;
    private final RefusalTracker refusals;
    private final ResultTracker results;
    private final MessageFramer framer;
    private final Consumer<Future<Void>> holdUntil;
    private final SessionRecorder recorder;
    private char transactionStatus = 'I';
    /** A ReadyForQuery waits for its statement's record, and what came before it waits in the writer. */
    private boolean heldBack;
    private boolean fatalSeen;
    /** Query / Sync / FunctionCall messages relayed upstream whose ReadyForQuery has not come back. */
    private int awaitingReady;
    /** awaitingReady == 0 and no open transaction; written only when it changes, read by graceful shutdown. */
    private volatile boolean idle = true;
    /** Asks a person to approve the rest of a statement that streamed past its limit. */
    private final Function<StatementGate.ApprovalNeed, Future<StatementGate.Verdict>> approvals;
    private final Sessions sessions;
    /** When each awaited ReadyForQuery's Query or Sync went upstream (a ring of awaitingReady entries). */
    private long[] sentAt = new long[8];
    private int sentHead;

    UpstreamToClient(BatchWriter client, RefusalTracker refusals, ResultTracker results, MessageFramer framer,
            Consumer<Future<Void>> holdUntil, Function<StatementGate.ApprovalNeed, Future<StatementGate.Verdict>> approvals,
            SessionRecorder recorder, Sessions sessions, Runnable catalogSuspect) {
        this.client = client;
        this.refusals = refusals;
        this.results = results;
        this.framer = framer;
        this.holdUntil = holdUntil;
        this.approvals = approvals;
        this.recorder = recorder;
        this.sessions = sessions;
        this.catalogSuspect = catalogSuspect;
    }

    @Override
    public boolean onMessage(byte type, Buffer buf, int start, int end) {
        if (type == MessageTypes.READY_FOR_QUERY) {
            // What the client is about to see acknowledged must be in the audit trail first.
            Future<Void> durable = recorder.beforeReady();
            heldBack = durable != null;
            if (heldBack) {
                // The statement's rows wait with it, to go out in one write (a commit takes a moment).
                client.holdBack();
                waitFor(durable);
                return false;
            }
        }
        if (type == MessageTypes.ERROR_RESPONSE && substitutedRefusal(buf, start, end)) {
            if (results != null) {
                results.refusalAnswered(); // PostgreSQL skips what followed the refused message, as for any error
            }
            return true;
        }
        if (results != null) {
            Buffer replaced = results.onServerMessage(type, buf, start, end);
            if (replaced == ResultTracker.DROP) {
                return true;
            }
            if (replaced == ResultTracker.HOLD) {
                hold(results.awaitHold());
                return false;
            }
            if (replaced == ResultTracker.ASK) {
                hold(approval(results.asking()));
                return false;
            }
            if (replaced != null && replaced.length() == 0) {
                return true; // nothing to send yet (a COPY row held back until its end arrives)
            }
            if (replaced != null) {
                if (type == MessageTypes.DATA_ROW || type == MessageTypes.COPY_DATA) {
                    sessions.rowMasked();
                }
                client.replace(replaced);
                // A limit's error takes the place of the statement's end: record it as the error it is.
                byte sent = replaced.getByte(0) == MessageTypes.ERROR_RESPONSE ? MessageTypes.ERROR_RESPONSE : type;
                recorder.toClient(sent, replaced, 0, replaced.length(), true);
                return true;
            }
        }
        if (type == MessageTypes.COMMAND_COMPLETE && changesCatalog(buf, start, end)) {
            catalogChangePending = true;
        }
        if (type == MessageTypes.READY_FOR_QUERY) {
            transactionStatus = (char) buf.getByte(start + 5);
            if (catalogChangePending && transactionStatus == 'I') {
                catalogChangePending = false; // committed (or rolled back, which a look finds out)
                catalogSuspect.run();
            }
            if (awaitingReady > 0) {
                sessions.statementTook(System.nanoTime() - sentAt[sentHead]);
                sentHead = (sentHead + 1) % sentAt.length;
                awaitingReady--;
            }
            boolean nowIdle = awaitingReady == 0 && transactionStatus == 'I';
            if (nowIdle != idle) {
                idle = nowIdle;
            }
        }
        client.pass(buf, start, end);
        recorder.toClient(type, buf, start, end, false);
        return true;
    }

    /**
     * An error standing for one of the gateway's refusals is replaced by the refusal; every error
     * tells whether PostgreSQL is ending the session.
     *
     * @return true when the refusal was sent in the error's place
     */
    private boolean substitutedRefusal(Buffer buf, int start, int end) {
        PgError error = PgError.parse(buf, start, end);
        fatalSeen |= error.isFatal();
        if (error.sqlState() != null && CATALOG_ERRORS.contains(error.sqlState())) {
            catalogSuspect.run(); // a decision made on an older catalog may be what sent it here
        }
        PgError ours = refusals.hasPending() ? refusals.substitute(error) : null;
        if (ours == null) {
            return false;
        }
        if (results != null) {
            results.onServerMessage(MessageTypes.ERROR_RESPONSE, buf, start, end); // keeps its statement queue in step
        }
        Buffer substitute = BackendMessages.error(ours);
        client.replace(substitute);
        recorder.toClient(MessageTypes.ERROR_RESPONSE, substitute, 0, substitute.length(), true);
        return true;
    }

    /** DDL, GRANT and REVOKE: once committed, what was decided on the catalog before may be stale. */
    private static boolean changesCatalog(Buffer buf, int start, int end) {
        int tag = start + 5;
        for (String prefix : CATALOG_TAGS) {
            if (end - tag > prefix.length() && startsWith(buf, tag, prefix)) {
                return true;
            }
        }
        return false;
    }

    private static boolean startsWith(Buffer buf, int at, String ascii) {
        for (int i = 0; i < ascii.length(); i++) {
            if (buf.getByte(at + i) != ascii.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    /** The current message and everything after it wait (upstream paused) until {@code ready} completes. */
    private void hold(Future<Void> ready) {
        client.flush();
        waitFor(ready);
    }

    private void waitFor(Future<Void> ready) {
        framer.holdCurrent();
        holdUntil.accept(ready);
    }

    @Override
    public void onBatchEnd(Buffer buf) {
        if (!heldBack) {
            client.flush();
        }
    }

    /**
     * A message PostgreSQL answers with ReadyForQuery went upstream. (A Sync sent during COPY FROM
     * STDIN gets no answer, so the count can stay high: the session then looks busy until the
     * shutdown grace period ends, which errs on the safe side.)
     */
    void expectReady() {
        if (awaitingReady == sentAt.length) {
            long[] grown = new long[sentAt.length * 2];
            for (int i = 0; i < awaitingReady; i++) {
                grown[i] = sentAt[(sentHead + i) % sentAt.length];
            }
            sentAt = grown;
            sentHead = 0;
        }
        sentAt[(sentHead + awaitingReady) % sentAt.length] = System.nanoTime();
        awaitingReady++;
        if (idle) {
            idle = false;
        }
    }

    /**
     * The statement streamed past its limit and waits: a person is asked, and the guard learns the
     * answer before the held row is shown again (approved: the rest streams; otherwise it is
     * cancelled and ends with the refusal).
     */
    private Future<Void> approval(ResultGuard guard) {
        StatementGate.ApprovalNeed need = guard.ask();
        return approvals.apply(need).transform(r -> {
            PgError refusal = r.succeeded() ? r.result().refusal()
                    : PgError.error(SqlState.INSUFFICIENT_PRIVILEGE, "this statement streamed past the limit of rule "
                            + need.rule() + " and pgwarden could not ask for approval, so it was stopped");
            guard.decided(refusal);
            return Future.succeededFuture();
        });
    }

    /** Tells the client something now (between whole messages; NoticeResponse may come at any time). */
    void notice(PgError notice) {
        client.replace(BackendMessages.notice(notice));
        client.flush();
    }

    /** Nothing in flight and no open transaction: the session can end without losing work. Any thread. */
    boolean idle() {
        return idle;
    }

    /** A Query, Sync or FunctionCall went upstream and its ReadyForQuery has not come back. Event loop only. */
    boolean statementInFlight() {
        return awaitingReady > 0;
    }

    /** PostgreSQL already told the client why it is closing. */
    boolean fatalSeen() {
        return fatalSeen;
    }
}
