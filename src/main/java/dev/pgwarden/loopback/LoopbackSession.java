package dev.pgwarden.loopback;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Consumer;

import dev.pgwarden.masking.Field;
import dev.pgwarden.masking.RowDescriptionParser;
import dev.pgwarden.masking.TypeClass;
import dev.pgwarden.wire.DataRows;
import dev.pgwarden.wire.FrontendMessages;
import dev.pgwarden.wire.MessageFramer;
import dev.pgwarden.wire.MessageTypes;
import dev.pgwarden.wire.PgError;
import dev.pgwarden.wire.ProtocolException;
import dev.pgwarden.wire.SqlState;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetSocket;

/**
 * A logged-in session on the gateway's listener. Statements run one at a time in arrival order,
 * each through the extended protocol with its parameters bound (never spliced into the text), and
 * with at most a row cap's worth of rows read: Execute asks for one row more than the cap, so the
 * gateway and PostgreSQL stop there and the extra row only says that the result was cut.
 * NoticeResponses reach the statement's listener the moment they arrive (a statement held for
 * approval announces itself with one, then waits). Safe to call from any thread.
 */
public final class LoopbackSession implements MessageFramer.Visitor {
    private static final Field COPY_LINE = new Field("copy", 0, 0, TypeClass.TEXT_OID, -1, -1, 0);

    private record Pending(String sql, List<String> parameters, int rowCap, long byteCap,
            Consumer<PgError> noticeListener, Promise<StatementOutcome> result) {
    }

    private final NetSocket socket;
    private final MessageFramer framer;
    private final Context context;
    private final ArrayDeque<Pending> queue = new ArrayDeque<>();
    private Pending running;
    private List<Field> columns;
    private List<List<String>> rows;
    private long bytes;
    private boolean truncated;
    private String tag;
    private PgError error;
    private List<PgError> notices;
    private boolean closed;
    private Runnable closeHandler = () -> {
    };

    /** Created on the socket's event loop, once the login has completed. */
    LoopbackSession(NetSocket socket, MessageFramer framer) {
        this.socket = socket;
        this.framer = framer;
        this.context = Vertx.currentContext();
        socket.handler(chunk -> {
            try {
                framer.feed(chunk, this);
            } catch (ProtocolException e) {
                broken(PgError.fatal(SqlState.PROTOCOL_VIOLATION, "invalid message from the gateway's listener"));
            }
        });
        socket.closeHandler(v -> broken(null));
        socket.exceptionHandler(e -> broken(null));
        framer.resume(this);
    }

    /**
     * Runs one statement. The future always succeeds: a refusal, an SQL error or a lost connection
     * is the outcome's {@link StatementOutcome#error()}.
     *
     * @param parameters     text values for $1, $2, ... (null for SQL NULL)
     * @param rowCap         rows kept; beyond it the outcome says truncated
     * @param byteCap        bytes of row data kept; beyond it the outcome says truncated
     * @param noticeListener sees each NoticeResponse as it arrives, on the session's event loop
     */
    public Future<StatementOutcome> run(String sql, List<String> parameters, int rowCap, long byteCap,
            Consumer<PgError> noticeListener) {
        Promise<StatementOutcome> p = Promise.promise();
        context.runOnContext(v -> {
            if (closed) {
                p.complete(failed(lostConnection(), List.of()));
                return;
            }
            List<String> values = Collections.unmodifiableList(new ArrayList<>(parameters)); // may hold nulls
            queue.add(new Pending(sql, values, rowCap, byteCap, noticeListener, p));
            pump();
        });
        return p.future();
    }

    /** Runs on the session's event loop when the connection has ended, whichever side ended it. */
    public void onClose(Runnable handler) {
        context.runOnContext(v -> {
            if (closed) {
                handler.run();
            } else {
                closeHandler = handler;
            }
        });
    }

    /** Ends the session (Terminate); a statement still waiting, e.g. for an approval, is abandoned. */
    public void close() {
        context.runOnContext(v -> {
            if (!closed) {
                socket.end(FrontendMessages.terminate());
                broken(null);
            }
        });
    }

    private void pump() {
        if (running != null || queue.isEmpty()) {
            return;
        }
        running = queue.poll();
        columns = List.of();
        rows = new ArrayList<>();
        bytes = 0;
        truncated = false;
        tag = null;
        error = null;
        notices = new ArrayList<>();
        int maxRows = running.rowCap() >= Integer.MAX_VALUE - 1 ? 0 : running.rowCap() + 1;
        socket.write(FrontendMessages.extendedQuery(running.sql(), running.parameters(), maxRows));
    }

    @Override
    public boolean onMessage(byte type, Buffer buf, int start, int end) {
        if (type == MessageTypes.NOTICE_RESPONSE && running != null) {
            PgError notice = PgError.parse(buf, start, end);
            notices.add(notice);
            running.noticeListener().accept(notice);
            return true;
        }
        if (running == null) {
            return true; // ParameterStatus, notices or notifications between statements
        }
        switch (type) {
            case MessageTypes.ROW_DESCRIPTION -> columns = RowDescriptionParser.parse(buf, start, end);
            case MessageTypes.DATA_ROW -> keep(DataRows.textValues(buf, start), end - start);
            case MessageTypes.COMMAND_COMPLETE -> tag = buf.getString(start + 5, end - 1, StandardCharsets.UTF_8.name());
            case MessageTypes.EMPTY_QUERY_RESPONSE -> tag = "";
            case MessageTypes.ERROR_RESPONSE -> error = PgError.parse(buf, start, end);
            case MessageTypes.COPY_OUT_RESPONSE -> columns = List.of(COPY_LINE);
            case MessageTypes.COPY_DATA -> keep(copyLine(buf, start, end), end - start);
            case MessageTypes.COPY_IN_RESPONSE, MessageTypes.COPY_BOTH_RESPONSE ->
                socket.write(FrontendMessages.copyFail("this client sends no COPY data"));
            case MessageTypes.READY_FOR_QUERY -> {
                Pending done = running;
                running = null;
                done.result().complete(new StatementOutcome(columns, rows, truncated, error == null ? tag : null, error,
                        notices));
                pump();
            }
            default -> {
                // ParseComplete, BindComplete, NoData, PortalSuspended (the extra row already said
                // truncated), CopyDone, ParameterStatus, NotificationResponse
            }
        }
        return true;
    }

    private void keep(List<String> row, int frameBytes) {
        if (truncated) {
            return;
        }
        if (rows.size() >= running.rowCap() || bytes + frameBytes > running.byteCap()) {
            truncated = true;
            return;
        }
        rows.add(row);
        bytes += frameBytes;
    }

    private static List<String> copyLine(Buffer buf, int start, int end) {
        int to = end > start + 5 && buf.getByte(end - 1) == '\n' ? end - 1 : end;
        return List.of(buf.getString(start + 5, to, StandardCharsets.UTF_8.name()));
    }

    private void broken(PgError fatal) {
        if (closed) {
            return;
        }
        closed = true;
        socket.close();
        PgError why = fatal != null ? fatal : error != null && error.isFatal() ? error : lostConnection();
        if (running != null) {
            running.result().tryComplete(failed(why, notices));
            running = null;
        }
        Pending p;
        while ((p = queue.poll()) != null) {
            p.result().tryComplete(failed(lostConnection(), List.of()));
        }
        closeHandler.run();
    }

    private static PgError lostConnection() {
        return PgError.fatal(SqlState.CONNECTION_FAILURE, "the session with the gateway ended");
    }

    private static StatementOutcome failed(PgError why, List<PgError> notices) {
        return new StatementOutcome(List.of(), List.of(), false, null, why, notices);
    }
}
