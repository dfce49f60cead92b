package dev.pgwarden.audit;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.pgwarden.masking.RowDescriptionParser;
import dev.pgwarden.proxy.SessionInfo;
import dev.pgwarden.proxy.SessionRecorder;
import dev.pgwarden.proxy.StatementGate;
import dev.pgwarden.wire.Frames;
import dev.pgwarden.wire.FrontendMessages;
import dev.pgwarden.wire.MessageTypes;
import dev.pgwarden.wire.PgError;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;

/**
 * Records one session: follows the protocol in order (the client's messages as sent upstream, the
 * server's as the client receives them) to know which statement every row, tag and error belongs
 * to, and hands each finished statement to the writer. Like the result tracker, it keeps a queue of
 * what the server will answer: Execute may come without Describe, an error skips to Sync, and a
 * simple-query string runs several statements. Event loop only; copies what it keeps.
 */
final class RecordingSession implements SessionRecorder {
    static final String ALLOWED = "allowed";
    static final String MASKED = "masked";
    static final String REFUSED = "refused";
    static final String APPROVED = "approved";
    private static final Pattern REFUSAL_DETAIL = Pattern.compile("^policy (\\S+)(?:, rule (.+))?$");

    /** A prepared statement as the client parsed it, with the verdict on it. */
    private record Prepared(String sql, int[] paramTypes, StatementGate.Verdict verdict,
            List<ResultCapture.Column>[] described) {
        @SuppressWarnings("unchecked")
        Prepared(String sql, int[] paramTypes, StatementGate.Verdict verdict) {
            this(sql, paramTypes, verdict, new List[1]);
        }
    }

    private record Portal(Prepared statement, BindParameters parameters, int[] resultFormats,
            List<ResultCapture.Column>[] described) {
        @SuppressWarnings("unchecked")
        Portal(Prepared statement, BindParameters parameters, int[] resultFormats) {
            this(statement, parameters, resultFormats, new List[1]);
        }
    }

    // What the server will answer next, in order.
    private static final class QueryX {
        final String sql;
        final List<String> texts;
        final StatementGate.Verdict verdict;
        int index;
        StatementRecord current;
        boolean abandoned;
        /** When the next statement of the string started: the Query's arrival, then the previous one's end. */
        long nextStart = Micros.now();

        QueryX(String sql, List<String> texts, StatementGate.Verdict verdict) {
            this.sql = sql;
            this.texts = texts;
            this.verdict = verdict;
        }
    }

    private record ParseX(Prepared statement) {
    }

    private record BindX() {
    }

    private record DescribeX(Prepared statement, Portal portal) {
    }

    private record ExecuteX(StatementRecord record, Portal portal) {
    }

    private record CloseX() {
    }

    private record SyncX() {
    }

    /**
     * An answer that belongs to no record: a statement the trail could not take (its error comes
     * back), or an empty query (a driver's liveness ping runs nothing).
     */
    private record UnrecordedX(boolean endsWithReady) {
    }

    private static final BindX BIND = new BindX();
    private static final CloseX CLOSE = new CloseX();
    private static final SyncX SYNC = new SyncX();
    private static final Prepared UNKNOWN = new Prepared("", new int[0], null);

    private final SessionRecord session;
    private final AuditWriter writer;
    /** Every record of this session goes through one lane, so they are committed in order. */
    private final AuditWriter.Lane lane;
    /** A statement was sent and its record is not queued yet: the lane may wait a moment for it. */
    private boolean awaited;
    private final Supplier<String> policyVersion;
    private final int captureRows;
    private final int captureBytes;
    private final boolean failClosed;
    private final Map<String, Prepared> prepared = new HashMap<>();
    private final Map<String, Portal> portals = new HashMap<>();
    private final ArrayDeque<Object> expected = new ArrayDeque<>();
    private int seq;
    private long rowsSent;
    private long bytesSent;
    /** The last record handed to the writer that a client acknowledgement must wait for. */
    private Future<Void> lastDurable;
    private boolean ended;
    private String applicationName;
    /** The verdict on the Execute being admitted when it was decided again (else its Parse's stands). */
    private StatementGate.Verdict executeVerdict;

    RecordingSession(SessionInfo info, String replicaId, AuditWriter writer, Supplier<String> policyVersion,
            int captureRows, int captureBytes, boolean failClosed) {
        this.session = new SessionRecord(info, replicaId);
        this.writer = writer;
        this.lane = writer.lane();
        this.policyVersion = policyVersion;
        this.captureRows = captureRows;
        this.captureBytes = captureBytes;
        this.failClosed = failClosed;
        this.applicationName = session.applicationName;
        writer.submit(lane, new SessionRecord.Started(session));
    }

    // ---- client side ----

    @Override
    public PgError admit(byte type, StatementGate.Verdict verdict) {
        if (type == MessageTypes.EXECUTE) {
            executeVerdict = verdict;
        }
        if (isEmptyQuery(type, verdict)) {
            return null; // runs nothing: nothing to record, so nothing to refuse
        }
        PgError error = failClosed ? writer.admissionError() : null;
        if (error != null) {
            expected.add(new UnrecordedX(type == MessageTypes.QUERY || type == MessageTypes.FUNCTION_CALL));
        }
        return error;
    }

    private static boolean isEmptyQuery(byte type, StatementGate.Verdict verdict) {
        return type == MessageTypes.QUERY && verdict != null && verdict.refusal() == null
                && verdict.statements().isEmpty();
    }

    @Override
    public void decided(byte type, Buffer buf, int start, int end, String sql, StatementGate.Verdict verdict) {
        if (isEmptyQuery(type, verdict)) {
            expected.add(new UnrecordedX(true));
            return;
        }
        switch (type) {
            case MessageTypes.QUERY -> {
                expected.add(new QueryX(sql, verdict.refusal() == null ? verdict.statements() : List.of(sql), verdict));
                awaiting();
            }
            case MessageTypes.PARSE -> {
                int nameEnd = Frames.stringEnd(buf, start + 5, end);
                int sqlEnd = Frames.stringEnd(buf, nameEnd + 1, end);
                Prepared p = new Prepared(sql, paramTypes(buf, sqlEnd + 1), verdict);
                prepared.put(Frames.string(buf, start + 5, nameEnd), p);
                expected.add(new ParseX(p));
            }
            case MessageTypes.FUNCTION_CALL -> {
                QueryX call = new QueryX("", List.of("FunctionCall (function OID " + buf.getInt(start + 5) + ")"),
                        verdict);
                expected.add(call);
            }
            default -> {
                // no other message carries a verdict
            }
        }
    }

    @Override
    public void fromClient(byte type, Buffer buf, int start, int end) {
        int pos = start + 5;
        switch (type) {
            case MessageTypes.BIND -> {
                int portalEnd = Frames.stringEnd(buf, pos, end);
                int stmtEnd = Frames.stringEnd(buf, portalEnd + 1, end);
                Prepared p = prepared.getOrDefault(Frames.string(buf, portalEnd + 1, stmtEnd), UNKNOWN);
                BindParameters params = BindParameters.read(buf, start, end, p.paramTypes());
                portals.put(Frames.string(buf, pos, portalEnd),
                        new Portal(p, params, FrontendMessages.bindResultFormats(buf, stmtEnd + 1)));
                expected.add(BIND);
            }
            case MessageTypes.DESCRIBE -> {
                String name = Frames.string(buf, pos + 1, Frames.stringEnd(buf, pos + 1, end));
                if (buf.getByte(pos) == 'S') {
                    expected.add(new DescribeX(prepared.getOrDefault(name, UNKNOWN), null));
                } else {
                    Portal portal = portals.get(name);
                    expected.add(new DescribeX(portal == null ? UNKNOWN : portal.statement(), portal));
                }
            }
            case MessageTypes.EXECUTE -> {
                Portal portal = portals.get(Frames.string(buf, pos, Frames.stringEnd(buf, pos, end)));
                if (portal == null) {
                    portal = new Portal(UNKNOWN, BindParameters.NONE, null);
                }
                Prepared p = portal.statement();
                StatementGate.Verdict verdict = executeVerdict != null ? executeVerdict : p.verdict();
                executeVerdict = null;
                expected.add(new ExecuteX(newRecord(p.sql(), portal.parameters(), verdict), portal));
                awaiting();
            }
            case MessageTypes.CLOSE -> {
                String name = Frames.string(buf, pos + 1, Frames.stringEnd(buf, pos + 1, end));
                if (buf.getByte(pos) == 'S') {
                    prepared.remove(name);
                } else {
                    portals.remove(name);
                }
                expected.add(CLOSE);
            }
            case MessageTypes.SYNC -> expected.add(SYNC);
            default -> {
                // Flush, CopyData...: nothing the server answers separately
            }
        }
    }

    /** @param verdict the gate's verdict on the statement, or null when it is not known (a portal never bound) */
    private StatementRecord newRecord(String text, BindParameters params, StatementGate.Verdict verdict) {
        PgError refusal = verdict == null ? null : verdict.refusal();
        String approvalId = verdict == null ? null : verdict.approvalId();
        String rule = verdict == null ? null : verdict.rule();
        String version = verdict == null ? null : verdict.policyVersion();
        if (version == null && refusal != null && refusal.detail() != null) {
            // Refusals made without a policy decision behind them (pgwarden's own) may still name
            // one in DETAIL: "policy <version>, rule <name>".
            Matcher m = REFUSAL_DETAIL.matcher(refusal.detail());
            if (m.matches()) {
                version = m.group(1);
                rule = m.group(2);
            }
        }
        if (version == null) {
            version = policyVersion.get();
        }
        String decision = refusal != null ? REFUSED : approvalId != null ? APPROVED : ALLOWED;
        return new StatementRecord(failClosed ? Promise.promise() : null, session, text, params, decision, rule,
                version, approvalId, Micros.now(), new ResultCapture(captureRows, captureBytes));
    }

    // ---- server side, as the client receives it ----

    @Override
    public void toClient(byte type, Buffer buf, int start, int end, boolean rewritten) {
        bytesSent += end - start;
        if (!rewritten) {
            onServerMessage(type, buf, start, end, false);
            return;
        }
        // A rewritten buffer may hold several frames (a masked COPY chunk and its CopyDone).
        int pos = start;
        while (pos + 5 <= end) {
            int frameEnd = pos + 1 + buf.getInt(pos + 1);
            onServerMessage(buf.getByte(pos), buf, pos, Math.min(frameEnd, end), true);
            pos = frameEnd;
        }
    }

    private void onServerMessage(byte type, Buffer buf, int start, int end, boolean rewritten) {
        Object head = expected.peek();
        StatementRecord running = running(head, startsOrEndsResult(type));
        if (running != null) {
            running.byteCount += end - start;
        }
        switch (type) {
            case MessageTypes.PARSE_COMPLETE -> pollIf(head, ParseX.class);
            case MessageTypes.BIND_COMPLETE -> pollIf(head, BindX.class);
            case MessageTypes.CLOSE_COMPLETE -> pollIf(head, CloseX.class);
            case MessageTypes.NO_DATA -> pollIf(head, DescribeX.class);
            case MessageTypes.ROW_DESCRIPTION -> onRowDescription(head, running, buf, start, end);
            case MessageTypes.DATA_ROW -> {
                rowsSent++;
                if (running != null) {
                    if (!running.result.hasColumns() && head instanceof ExecuteX x) {
                        running.result.columns(describedColumns(x.portal()));
                    }
                    running.result.row(buf, start + 5, end);
                    markMasked(running, rewritten);
                }
            }
            case MessageTypes.COPY_OUT_RESPONSE -> {
                if (running != null) {
                    running.result.copyOut();
                }
            }
            case MessageTypes.COPY_DATA -> {
                if (running != null && running.result.isCopy()) {
                    rowsSent++;
                    running.result.row(buf, start + 5, end);
                    markMasked(running, rewritten);
                }
            }
            case MessageTypes.COMMAND_COMPLETE, MessageTypes.EMPTY_QUERY_RESPONSE, MessageTypes.PORTAL_SUSPENDED -> {
                if (running != null) {
                    running.rowCount = type == MessageTypes.COMMAND_COMPLETE ? rowsOf(buf, start, end) : null;
                    finishedResult(head, running);
                }
            }
            case MessageTypes.ERROR_RESPONSE -> onError(head, PgError.parse(buf, start, end));
            case MessageTypes.READY_FOR_QUERY -> onReady();
            case MessageTypes.PARAMETER_STATUS -> onParameterStatus(buf, start, end);
            default -> {
                // ParameterDescription, notices, notifications, CopyIn, FunctionCallResponse: counted above
            }
        }
    }

    /** Clients may set application_name after login (pgjdbc does): the server reports each change. */
    private void onParameterStatus(Buffer buf, int start, int end) {
        int nameEnd = Frames.stringEnd(buf, start + 5, end);
        if ("application_name".equals(Frames.string(buf, start + 5, nameEnd))) {
            applicationName = Frames.string(buf, nameEnd + 1, Frames.stringEnd(buf, nameEnd + 1, end));
        }
    }

    /** Messages that belong to a statement's result (so a simple query's next statement starts with them). */
    private static boolean startsOrEndsResult(byte type) {
        return switch (type) {
            case MessageTypes.ROW_DESCRIPTION, MessageTypes.DATA_ROW, MessageTypes.COMMAND_COMPLETE,
                    MessageTypes.EMPTY_QUERY_RESPONSE, MessageTypes.ERROR_RESPONSE, MessageTypes.COPY_OUT_RESPONSE,
                    MessageTypes.COPY_IN_RESPONSE, MessageTypes.COPY_BOTH_RESPONSE,
                    MessageTypes.FUNCTION_CALL_RESPONSE -> true;
            default -> false;
        };
    }

    /**
     * The statement whose answer is arriving; a simple query's next statement is created when
     * {@code create} (its first result message) and not before.
     */
    private StatementRecord running(Object head, boolean create) {
        if (head instanceof ExecuteX x) {
            return x.record();
        }
        if (head instanceof QueryX q && !q.abandoned) {
            if (q.current == null && create) {
                String text = q.index < q.texts.size() ? q.texts.get(q.index) : q.sql;
                q.current = newRecord(text, null, q.verdict);
                q.current.startedAt = q.nextStart;
            }
            return q.current;
        }
        return null;
    }

    private static void markMasked(StatementRecord r, boolean rewritten) {
        if (rewritten && ALLOWED.equals(r.decision)) {
            r.decision = MASKED;
        }
    }

    private void onRowDescription(Object head, StatementRecord running, Buffer buf, int start, int end) {
        List<ResultCapture.Column> columns = RowDescriptionParser.parse(buf, start, end).stream()
                .map(f -> new ResultCapture.Column(f.name(), f.typeOid(), f.formatCode())).toList();
        if (head instanceof DescribeX d) {
            expected.poll();
            if (d.portal() != null) {
                d.portal().described()[0] = columns;
            }
            if (d.statement() != UNKNOWN) {
                // Later executions may skip Describe; their formats come with each Bind.
                d.statement().described()[0] = columns;
            }
        } else if (running != null) {
            running.result.columns(columns);
        }
    }

    /** Columns for rows of an Execute that came without a RowDescription (described earlier). */
    private static List<ResultCapture.Column> describedColumns(Portal portal) {
        if (portal.described()[0] != null) {
            return portal.described()[0];
        }
        List<ResultCapture.Column> fromStatement = portal.statement().described()[0];
        if (fromStatement == null) {
            return null;
        }
        List<ResultCapture.Column> out = new ArrayList<>(fromStatement.size());
        for (int i = 0; i < fromStatement.size(); i++) {
            ResultCapture.Column c = fromStatement.get(i);
            out.add(new ResultCapture.Column(c.name(), c.typeOid(), formatOf(portal.resultFormats(), i)));
        }
        return out;
    }

    private static int formatOf(int[] formats, int column) {
        if (formats == null || formats.length == 0) {
            return 0;
        }
        return formats.length == 1 ? formats[0] : column < formats.length ? formats[column] : 0;
    }

    private void finishedResult(Object head, StatementRecord running) {
        finish(running);
        if (head instanceof ExecuteX) {
            expected.poll();
        } else if (head instanceof QueryX q) {
            q.nextStart = running.finishedAt;
            q.current = null;
            q.index++;
        }
    }

    private void onError(Object head, PgError error) {
        if (head instanceof UnrecordedX na) {
            if (!na.endsWithReady()) {
                expected.poll();
                skipToSync();
            }
            return;
        }
        if (head instanceof QueryX q) {
            StatementRecord r = running(q, true);
            if (r != null) {
                failed(r, error);
            }
            q.abandoned = true; // the rest of the string does not run; ReadyForQuery ends it
            return;
        }
        if (head == null || head instanceof SyncX) {
            return; // not a statement's error (a FATAL at shutdown, say): the session's end says it
        }
        StatementRecord r = head instanceof ExecuteX x ? x.record() : firstExecuteBeforeSync();
        if (r == null) {
            // A Parse, Bind or Describe failed with no Execute queued: record the statement it was for.
            Prepared p = head instanceof ParseX px ? px.statement() : head instanceof DescribeX d ? d.statement() : UNKNOWN;
            r = newRecord(p.sql(), null, p.verdict());
        }
        failed(r, error);
        skipToSync();
    }

    private void failed(StatementRecord r, PgError error) {
        r.sqlState = error.sqlState();
        r.message = error.message();
        finish(r);
    }

    private StatementRecord firstExecuteBeforeSync() {
        for (Object e : expected) {
            if (e instanceof SyncX) {
                return null;
            }
            if (e instanceof ExecuteX x) {
                return x.record();
            }
        }
        return null;
    }

    /** After an error PostgreSQL ignores everything up to Sync: those statements never ran. */
    private void skipToSync() {
        while (!expected.isEmpty() && !(expected.peek() instanceof SyncX)) {
            expected.poll();
        }
    }

    private void onReady() {
        notAwaiting(); // whatever ran has its record queued by now (or had none)
        while (!expected.isEmpty()) {
            Object e = expected.poll();
            if (e instanceof QueryX q) {
                if (q.current != null) {
                    finish(q.current); // a FunctionCall's answer has no CommandComplete
                }
                return;
            }
            if (e instanceof SyncX || (e instanceof UnrecordedX na && na.endsWithReady())) {
                return;
            }
        }
    }

    private void pollIf(Object head, Class<?> kind) {
        if (kind.isInstance(head)) {
            expected.poll();
        }
    }

    private void finish(StatementRecord r) {
        if (r.finishedAt != 0) {
            return;
        }
        r.seq = ++seq; // numbered as they end, so statements that never ran leave no gap
        r.finishedAt = Micros.now();
        notAwaiting(); // first, so the lane does not wait for the record it is about to take
        writer.submit(lane, r);
        if (r.durable != null) {
            lastDurable = r.durable.future();
        }
    }

    private void awaiting() {
        if (!awaited) {
            awaited = true;
            lane.awaitRecord();
        }
    }

    private void notAwaiting() {
        if (awaited) {
            awaited = false;
            lane.recordArrived();
        }
    }

    /**
     * Fail closed: the last record handed to the lane (its commits keep queue order, so the ones
     * before it are committed by then). Fail open: room in the queues, when they are over their bound.
     */
    @Override
    public Future<Void> beforeReady() {
        if (!failClosed) {
            return writer.whenRoom();
        }
        Future<Void> f = lastDurable;
        if (f == null || f.succeeded()) {
            lastDurable = null;
            return null;
        }
        return f;
    }

    @Override
    public void ended(String reason) {
        if (ended) {
            return;
        }
        ended = true;
        // A statement cut off by the end of the session still ran: keep what the client got.
        for (Object e : expected) {
            StatementRecord r = e instanceof ExecuteX x ? x.record()
                    : e instanceof QueryX q && !q.abandoned ? q.current : null;
            if (r != null && (r.byteCount > 0 || e instanceof QueryX)) {
                r.message = "session ended before the statement completed: " + reason;
                finish(r);
            }
        }
        expected.clear();
        notAwaiting();
        writer.submit(lane, new SessionRecord.Ended(session, Micros.now(), reason, seq, rowsSent, bytesSent,
                applicationName));
    }

    // ---- frame fields ----

    private static int[] paramTypes(Buffer buf, int pos) {
        int n = buf.getUnsignedShort(pos);
        int[] types = new int[n];
        for (int i = 0; i < n; i++) {
            types[i] = buf.getInt(pos + 2 + 4 * i);
        }
        return types;
    }


    /** The row count at the end of a command tag ("SELECT 5", "INSERT 0 3"); null when it has none. */
    static Long rowsOf(Buffer buf, int start, int end) {
        int nul = end - 1;
        int i = nul;
        while (i > start + 5 && isDigit(buf.getByte(i - 1))) {
            i--;
        }
        // more than 18 digits cannot be a row count a long holds: no count rather than a wrong one
        if (i == nul || nul - i > 18 || buf.getByte(i - 1) != ' ') {
            return null;
        }
        long rows = 0;
        for (int j = i; j < nul; j++) { // in place, no String per statement
            rows = rows * 10 + (buf.getByte(j) - '0');
        }
        return rows;
    }

    private static boolean isDigit(byte b) {
        return b >= '0' && b <= '9';
    }
}
