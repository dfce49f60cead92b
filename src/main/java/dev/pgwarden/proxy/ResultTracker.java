package dev.pgwarden.proxy;

import dev.pgwarden.wire.PgError;
import dev.pgwarden.wire.SqlState;
import dev.pgwarden.wire.ProtocolException;
import io.vertx.core.Future;
import java.util.function.Supplier;
import java.util.Set;
import java.util.HashSet;
import java.util.ArrayList;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import dev.pgwarden.masking.ColumnMask;
import dev.pgwarden.masking.CopyFormat;
import dev.pgwarden.masking.CopyOptions;
import dev.pgwarden.wire.BackendMessages;
import dev.pgwarden.masking.CopyTextRewriter;
import dev.pgwarden.masking.DiagnosticTextMasker;
import dev.pgwarden.wire.DiagnosticFields;
import dev.pgwarden.wire.Notification;
import dev.pgwarden.masking.Field;
import dev.pgwarden.masking.ResultMasker;
import dev.pgwarden.masking.RowDescriptionParser;
import dev.pgwarden.masking.StatementMasks;
import dev.pgwarden.wire.MessageTypes;
import io.vertx.core.buffer.Buffer;

/**
 * Knows, for every DataRow and CopyData PostgreSQL sends, which statement it belongs to and so
 * which masking plan applies. The client's messages are recorded in protocol order (the in-flight
 * queue): Execute may arrive without Describe (drivers reuse a statement's known description), an
 * error makes PostgreSQL skip to Sync, and a simple query string runs several statements.
 */
final class ResultTracker {

    /**
     * A prepared (or unnamed) statement: its lineage, what it may stream, what meters it and, once
     * described, its fields.
     */
    private static final class Statement {
        final String sql;
        final StatementMasks masks;
        final ResultLimit limit;
        final StatementMeter meter;
        List<Field> fields;
        /** A Describe of it said it returns no rows (NoData). */
        boolean noData;
        /** It was bound since its Parse: a later binding is a run its Parse's verdict did not cover. */
        boolean bound;
        /**
         * Its Parse did not take after all (refused, or skipped after an error), but a later batch sent
         * meanwhile bound it: PostgreSQL runs another statement there, or none.
         */
        boolean invalid;

        Statement(String sql, StatementMasks masks, ResultLimit limit, StatementMeter meter) {
            this.sql = sql;
            this.masks = masks;
            this.limit = limit;
            this.meter = meter;
        }
    }

    /** A bound portal; its guard counts across the Executes that read it in batches. */
    private static final class Portal {
        final Statement statement;
        final int[] formats;
        ResultGuard guard;
        /** Its statement was bound before: this binding is another run of it. */
        final boolean rerun;
        /** Its Bind did not take after all, but a later batch sent meanwhile executes it (see Statement#invalid). */
        boolean invalid;
        /** An Execute of it went upstream (client side); the first counted its lookups, once per binding. */
        boolean executed;

        Portal(Statement statement, int[] formats, boolean rerun) {
            this.statement = statement;
            this.formats = formats;
            this.rerun = rerun;
        }
    }

    /**
     * An open cursor, as its DECLARE set it up: its FETCHes return that query's columns, so they are
     * masked as the query's lineage says, count against the query's limit (guard null when none) and
     * are metered by the DECLARE's meter (null when none).
     */
    private record OpenCursor(ResultGuard guard, StatementMeter meter, StatementMasks masks, boolean holdable,
            boolean committed) {
        /** Its transaction committed: a WITH HOLD cursor lives on (until CLOSE or the session's end). */
        OpenCursor commit() {
            return committed ? this : new OpenCursor(guard, meter, masks, holdable, true);
        }
    }

    private sealed interface Expect permits DescribeExpect, ExecuteExpect, SyncExpect, QueryExpect, FailingExpect,
            NameChange {
    }

    /** A message the gateway replaced by one that fails (a refusal): its error skips the rest of the batch. */
    private record FailingExpect() implements Expect {
    }

    private record DescribeExpect(Statement statement, Portal portal) implements Expect {
    }

    /**
     * An Execute; {@code describedHere} when the gateway sent a Describe of its portal ahead of it,
     * whose answer (RowDescription or NoData) is for the gateway alone and comes first.
     */
    private static final class ExecuteExpect implements Expect {
        final Portal portal;
        boolean describedHere;

        ExecuteExpect(Portal portal, boolean describedHere) {
            this.portal = portal;
            this.describedHere = describedHere;
        }
    }

    private record SyncExpect() implements Expect {
    }

    private static final class QueryExpect implements Expect {
        final List<Statement> statements;
        /** Sent inside an open extended-protocol batch: PostgreSQL skips it after an error there. */
        final boolean inBatch;
        int index;

        QueryExpect(List<Statement> statements, boolean inBatch) {
            this.statements = statements;
            this.inBatch = inBatch;
        }

        Statement current() {
            return index < statements.size() ? statements.get(index) : null;
        }
    }

    private static final SyncExpect SYNC = new SyncExpect();
    private static final Statement UNKNOWN = new Statement("", StatementMasks.UNKNOWN, null, null);

    /** Returned by {@link #onServerMessage} when the message must wait for {@link #awaitHold()}. */
    static final Buffer HOLD = Buffer.buffer(0);
    /** Returned by {@link #onServerMessage} when the message must be withheld from the client. */
    static final Buffer DROP = Buffer.buffer(0);
    /** Returned by {@link #onServerMessage} when the message must wait for the approval {@link #asking()} needs. */
    static final Buffer ASK = Buffer.buffer(0);

    private final Supplier<ResultMasker> maskers;
    private final CatalogCache catalog;
    private Set<Integer> unknownTables;
    private ResultMasker masker;
    private final Map<String, Statement> statements = new HashMap<>();
    private final Map<String, Portal> portals = new HashMap<>();
    private final ArrayDeque<Expect> expected = new ArrayDeque<>();
    private ColumnMask[] rowPlan;
    private boolean planned;
    private CopyTextRewriter copy;
    /** The statement of the latest Parse: an error at Parse comes before anything else names it. */
    private Statement lastParsed;
    private final java.util.function.Supplier<Future<Void>> cancelUpstream;
    /** The cancel sent for a statement stopped at its limit, until PostgreSQL has taken it. */
    private Future<Void> cancelDelivered;
    private final Map<String, OpenCursor> cursors = new HashMap<>();
    private final Map<String, String> sqlPrepared;
    /** The guard of the result streaming now (null: none), once {@link #guardResolved}. */
    private ResultGuard guard;
    private boolean guardResolved;
    /** The meter of the result streaming now (null: none), resolved with the guard; what it has counted so far. */
    private StatementMeter meter;
    private long meteredRows;
    private long meteredBytes;
    private ResultGuard asking;
    /** A limit ended the statement with an error: the rest up to ReadyForQuery is withheld. */
    private boolean dropUntilReady;
    /** An error came since the last ReadyForQuery with no transaction open: cursors declared since are gone. */
    private boolean transactionFailed;

    /**
     * @param maskers        the masking in force now (follows policy reloads)
     * @param cancelUpstream sends a CancelRequest for the session's upstream statement; completes once delivered
     */
    ResultTracker(Supplier<ResultMasker> maskers, CatalogCache catalog, Supplier<Future<Void>> cancelUpstream) {
        this(maskers, catalog, cancelUpstream, new HashMap<>());
    }

    /** @param sqlPrepared the session's SQL-level prepared statements ({@link SessionInfo#sqlPrepared}) */
    ResultTracker(Supplier<ResultMasker> maskers, CatalogCache catalog, Supplier<Future<Void>> cancelUpstream,
            Map<String, String> sqlPrepared) {
        this.maskers = maskers;
        this.catalog = catalog;
        this.cancelUpstream = cancelUpstream;
        this.sqlPrepared = sqlPrepared;
    }

    /** Takes the current masking when a new result starts, so a reload applies from the next result. */
    private ResultMasker masker() {
        masker = maskers.get();
        return masker;
    }

    // ---- client side, in the order messages are sent upstream ----

    /**
     * @param name the statement's name, keyed as PostgreSQL keys it ({@link dev.pgwarden.wire.ObjectNames#protocol})
     */
    void parse(String name, String sql, StatementMasks masks, ResultLimit limit, StatementMeter meter) {
        forgetNamesDefinedBy(sql);
        lastParsed = new Statement(sql, masks, limit, meter);
        expected.add(new NameChange<>(statements, name, lastParsed, name.isEmpty()));
    }

    /**
     * A Parse, Bind or Close sent upstream whose ParseComplete, BindComplete or CloseComplete has not
     * come back. The tracker takes it at once (a Bind right behind a Parse names the new statement), but
     * PostgreSQL may refuse it, or skip it after an earlier error in the same batch; then the change is
     * undone, newest first, and the name holds what PostgreSQL kept: a second Parse of a name fails and
     * the first statement stays, a Close skipped leaves the statement or portal in place. Otherwise rows
     * of what PostgreSQL kept would be masked as what the client asked for instead.
     *
     * @param gone a failure leaves nothing under the name (PostgreSQL drops the unnamed statement and
     *             portal before it makes the new one), rather than what it held before
     */
    private static final class NameChange<T> implements Expect {
        final Map<String, T> names;
        final String name;
        final T previous;
        final T current;
        final boolean gone;

        NameChange(Map<String, T> names, String name, T current, boolean gone) {
            this.names = names;
            this.name = name;
            this.current = current;
            this.gone = gone;
            this.previous = current == null ? names.remove(name) : names.put(name, current);
        }

        void undo() {
            // Whatever a later batch (sent before this was known) took from it is not what PostgreSQL has.
            if (current instanceof Statement s) {
                s.invalid = true;
            } else if (current instanceof Portal p) {
                p.invalid = true;
            }
            if (names.get(name) != current) {
                return; // changed since (forgotten, or replaced by a later change already undone)
            }
            if (previous == null || gone) {
                names.remove(name);
            } else {
                names.put(name, previous);
            }
        }
    }

    /** Changes PostgreSQL did not make (refused, or skipped after an error), undone newest first. */
    private static void undo(List<NameChange<?>> changes) {
        for (int i = changes.size() - 1; i >= 0; i--) {
            changes.get(i).undo();
        }
    }

    /**
     * SQL-level PREPARE and DEALLOCATE (and DISCARD ALL) change the statements a Bind may name, which
     * share one namespace with the Parse-level ones: whatever the tracker held under such a name is
     * forgotten when the statement is sent, so a Bind of it runs as a statement of unknown lineage
     * (refused, see {@link #unknownPortal}) whatever PostgreSQL made of it.
     */
    private void forgetNamesDefinedBy(String sql) {
        String touched = PreparedStatementNames.touched(sql);
        if (touched == null) {
            return;
        }
        if (PreparedStatementNames.ALL.equals(touched)) {
            statements.clear();
            if (CursorStatements.discardsAll(sql)) {
                cursors.clear();
            }
        } else {
            statements.remove(touched);
        }
    }

    /** @param portal and {@code statement}: names keyed as PostgreSQL keys them */
    void bind(String portal, String statement, int[] resultFormats) {
        cursors.remove(portal); // one namespace: whatever was declared under the name is not what runs now
        Statement s = statements.getOrDefault(statement, UNKNOWN);
        expected.add(new NameChange<>(portals, portal, new Portal(s, resultFormats, s.bound), portal.isEmpty()));
        if (s != UNKNOWN) {
            s.bound = true;
        }
    }

    /**
     * An Execute of {@code portal} that starts a run its statement's Parse was not decided for is
     * checked again by the statement's meter, with the equality lookups on masked columns each run
     * makes: that verdict, or null when the Execute runs as decided (or nothing meters it).
     */
    StatementGate.Verdict rerunCheck(String portal) {
        Portal p = portals.get(portal);
        if (p == null || !p.rerun || p.executed || p.statement.meter == null) {
            return null;
        }
        return p.statement.meter.again(p.statement.masks.equalityLookups());
    }

    void describe(byte kind, String name) {
        if (kind == 'S') {
            expected.add(new DescribeExpect(statements.getOrDefault(name, UNKNOWN), null));
        } else {
            Portal p = portals.get(name);
            expected.add(new DescribeExpect(p == null ? UNKNOWN : p.statement, p));
        }
    }

    /**
     * Why an Execute of {@code portal} may not run, or null when it may: the gateway does not know which
     * statement the portal runs, so neither its lineage (masks) nor its limits and budget meters. That is
     * a portal never bound through the gateway (a cursor DECLAREd in SQL, which shares the portals'
     * namespace), or one bound to a statement it does not know (prepared in SQL, or whose Parse it could
     * not follow).
     */
    PgError unknownPortal(String portal) {
        Portal p = portals.get(portal);
        if (p != null && p.statement != UNKNOWN) {
            return null;
        }
        String what = portal.isEmpty() ? "the unnamed portal" : "portal \"" + portal + "\"";
        return PgError.error(SqlState.INSUFFICIENT_PRIVILEGE, "pgwarden does not know which statement "
                + what + " runs, so it cannot apply its masks, limits and budgets; it was refused")
                .withHint("Parse and Bind the statement through pgwarden; SQL-level prepared statements run with "
                        + "EXECUTE and cursors with FETCH");
    }

    /**
     * A Describe the client sent for {@code run} (its statement, or the portal itself) in this batch is
     * still to be answered. One of an earlier batch does not count: an error there skips it, not this run.
     */
    private boolean describePending(Portal run) {
        java.util.Iterator<Expect> back = expected.descendingIterator();
        while (back.hasNext()) {
            Expect e = back.next();
            if (e instanceof SyncExpect || e instanceof QueryExpect) {
                return false;
            }
            if (e instanceof DescribeExpect d && (d.portal == run || d.portal == null && d.statement == run.statement)) {
                return true;
            }
        }
        return false;
    }

    /**
     * An Execute of {@code portal} goes upstream. Returns whether the gateway must send a Describe of
     * the portal just before it: its rows would otherwise come without a description (the client
     * never described the statement), and a result masked without one knows neither which columns
     * come from a masked table nor, in binary format, what they hold. The description is taken by
     * the gateway and not relayed.
     */
    boolean execute(String portal) {
        Portal p = portals.get(portal);
        if (p != null) {
            if (!p.executed) {
                p.executed = true;
                chargeLookups(p.statement); // once per binding: the portal's further batches are the same run
            }
        }
        Portal run = p != null ? p : new Portal(UNKNOWN, null, false);
        // A client's Describe sent before it answers first. One PostgreSQL skipped (an error before
        // it) is no longer expected: nothing then describes the rows unless the gateway does.
        boolean describe = run.statement.fields == null && !run.statement.noData && !maskers.get().inactive()
                && !describePending(run);
        expected.add(new ExecuteExpect(run, describe));
        return describe;
    }

    void sync() {
        expected.add(SYNC);
    }

    /** A refused Parse of the unnamed statement: PostgreSQL drops the unnamed statement before it parses. */
    void forgetUnnamedStatement() {
        statements.remove("");
    }

    /** A Close, taken at once and undone if PostgreSQL skips it (see {@link NameChange}). */
    void close(byte kind, String name) {
        if (kind == 'S') {
            expected.add(new NameChange<>(statements, name, null, false));
        } else {
            cursors.remove(name); // a Close of a portal closes a cursor of that name
            expected.add(new NameChange<>(portals, name, null, false));
        }
    }

    /**
     * @param limits what each statement may stream (null entries: no limit); may be shorter than {@code sqls}
     * @param meters what meters each statement (null entries: nothing); may be shorter than {@code sqls}
     */
    void query(List<String> sqls, List<StatementMasks> masks, List<ResultLimit> limits, List<StatementMeter> meters) {
        query(sqls, masks, limits, meters, false);
    }

    /**
     * A statement's equality lookups on masked columns count when it is sent, not when its result ends:
     * the next statement's check ({@link StatementMeter#pastLookups}, {@link StatementMeter#again}) then
     * sees them even when the client pipelines it before this one's result (one PostgreSQL skips after an
     * error in its batch is counted all the same).
     */
    private static void chargeLookups(Statement s) {
        int lookups = s.meter == null ? 0 : s.masks.equalityLookups();
        if (lookups > 0) {
            s.meter.delivered(0, 0, lookups);
        }
    }

    /** A message the gateway replaced by one that fails: its error, whatever comes before it in the queue. */
    void failing() {
        expected.add(new FailingExpect());
    }

    /** @param inBatch sent inside an open extended-protocol batch (no Sync since its last message) */
    void query(List<String> sqls, List<StatementMasks> masks, List<ResultLimit> limits, List<StatementMeter> meters,
            boolean inBatch) {
        List<Statement> list = new ArrayList<>(sqls.size());
        for (int i = 0; i < sqls.size(); i++) {
            forgetNamesDefinedBy(sqls.get(i));
            Statement s = new Statement(sqls.get(i), i < masks.size() ? masks.get(i) : StatementMasks.UNKNOWN,
                    i < limits.size() ? limits.get(i) : null, i < meters.size() ? meters.get(i) : null);
            chargeLookups(s);
            list.add(s);
        }
        expected.add(new QueryExpect(list, inBatch));
    }

    // ---- server side ----

    /**
     * @return the replacement for this server message, null to relay it untouched, or one of
     *         {@link #HOLD}, {@link #DROP}, {@link #ASK}
     */
    Buffer onServerMessage(byte type, Buffer buf, int start, int end) {
        if (type == MessageTypes.PARSE_COMPLETE || type == MessageTypes.BIND_COMPLETE
                || type == MessageTypes.CLOSE_COMPLETE) {
            if (expected.peek() instanceof NameChange) {
                expected.poll(); // that change took: PostgreSQL has the statement or portal now, or dropped it
            }
            return dropUntilReady ? DROP : null;
        }
        if (dropUntilReady && type != MessageTypes.READY_FOR_QUERY) {
            return DROP;
        }
        if (type == MessageTypes.READY_FOR_QUERY && cancelDelivered != null) {
            if (!cancelDelivered.isComplete()) {
                // The statement may have ended before the cancel reached PostgreSQL: the client's next
                // statement must not be sent until it has, or the cancel would stop that one instead.
                return HOLD;
            }
            cancelDelivered = null;
        }
        switch (type) {
            case MessageTypes.DATA_ROW: {
                if (!planned) {
                    planRowsWithoutDescription(buf.getUnsignedShort(start + 5));
                }
                Buffer guarded = countRow(end - start);
                if (guarded != null) {
                    return guarded;
                }
                return rowPlan == null ? null : masker.rows().rewrite(buf, start, end, rowPlan);
            }
            case MessageTypes.ROW_DESCRIPTION: {
                ExecuteExpect describedHere = describedHere();
                if (masker().inactive()) {
                    // Nothing to mask: keep the queue in step without looking at the columns.
                    if (describedHere != null) {
                        describedHere.describedHere = false;
                        return DROP;
                    }
                    skipRowDescription();
                    return null;
                }
                List<Field> fields = RowDescriptionParser.parse(buf, start, end);
                if (hasUnknownTables(fields)) {
                    return HOLD;
                }
                if (describedHere != null) {
                    describedHere.describedHere = false;
                    planDescribedHere(describedHere, fields);
                    return DROP;
                }
                onRowDescription(fields);
                return null;
            }
            case MessageTypes.NO_DATA: {
                ExecuteExpect describedHere = describedHere();
                if (describedHere != null) {
                    describedHere.describedHere = false;
                    describedHere.portal.statement.noData |= describedHere.portal.statement != UNKNOWN;
                    return DROP;
                }
                if (expected.peek() instanceof DescribeExpect d) {
                    expected.poll();
                    if (d.statement != UNKNOWN) {
                        d.statement.noData = true;
                    }
                }
                return null;
            }
            case MessageTypes.COPY_OUT_RESPONSE:
                startCopy(buf, start, end);
                return null;

            case MessageTypes.COPY_DATA: {
                Buffer guarded = countRow(end - start);
                if (guarded != null) {
                    return guarded;
                }
                return copy == null ? null : copy.onCopyData(buf, start, end);
            }
            case MessageTypes.COPY_DONE: {
                Buffer stopped = endOfGuardedResult();
                if (stopped != null) {
                    copy = null;
                    return stopped;
                }
                Buffer tail = copy == null ? null : copy.finish();
                copy = null;
                return tail == null ? null : tail.appendBuffer(buf, start, end - start);
            }
            case MessageTypes.COMMAND_COMPLETE, MessageTypes.EMPTY_QUERY_RESPONSE, MessageTypes.PORTAL_SUSPENDED: {
                Buffer stopped = endOfGuardedResult();
                if (stopped != null) {
                    return stopped;
                }
                if (type == MessageTypes.COMMAND_COMPLETE) {
                    if (isRollback(buf, start, end)) {
                        // ROLLBACK [TO SAVEPOINT]: cursors declared in what was rolled back are gone
                        cursors.values().removeIf(c -> !c.committed());
                    }
                    trackCursors();
                    confirmDeallocate(buf, start, end);
                }
                endOfResult();
                return null;
            }
            case MessageTypes.ERROR_RESPONSE: {
                Buffer stopped = endOfGuardedResult();
                if (stopped != null) {
                    return stopped;
                }
                Buffer masked = maskDiagnostics(type, buf, start, end);
                onError();
                return masked;
            }
            case MessageTypes.NOTICE_RESPONSE:
                return maskDiagnostics(type, buf, start, end);
            case MessageTypes.NOTIFICATION_RESPONSE:
                return maskNotification(buf, start, end);
            case MessageTypes.READY_FOR_QUERY:
                onReady(buf.getByte(start + 5));
                return null;
            default:
                return null;
        }
    }

    /** Counts a row against the current statement's limit and meter: null to go on, else DROP or ASK. */
    private Buffer countRow(int size) {
        ResultGuard g = currentGuard();
        if (g == null) {
            metered(size);
            return null;
        }
        switch (g.onRow(size)) {
            case PASS -> {
                metered(size);
                return null;
            }
            case CANCEL -> {
                cancelDelivered = cancelUpstream.get();
                return DROP;
            }
            case ASK -> {
                asking = g;
                return ASK;
            }
            default -> {
                return DROP;
            }
        }
    }

    /**
     * The end of a result under a guard: null when it ends as usual, DROP, or the limit's error in
     * its place (the client then takes the statement as failed, so the rest up to ReadyForQuery
     * is withheld, as PostgreSQL skips it after an error).
     */
    private Buffer endOfGuardedResult() {
        ResultGuard g = currentGuard();
        if (g == null) {
            return null;
        }
        switch (g.onEnd()) {
            case FAIL -> {
                onError();
                dropUntilReady = true;
                return BackendMessages.error(g.error());
            }
            case DROP -> {
                return DROP;
            }
            default -> {
                return null;
            }
        }
    }

    /** A row the client gets: counted for the current statement's meter, if it has one. */
    private void metered(int size) {
        if (meter != null) {
            meteredRows++;
            meteredBytes += size;
        }
    }

    /** The current result ended (or was abandoned): its meter learns what the client got. */
    private void reportMeter() {
        if (meter != null) {
            StatementMeter m = meter;
            meter = null;
            m.delivered(meteredRows, meteredBytes, 0);
        }
    }

    /** The guard asking for approval after {@link #ASK} was returned. */
    ResultGuard asking() {
        return asking;
    }

    /** The current result's guard; resolves its meter at the same time. */
    private ResultGuard currentGuard() {
        if (!guardResolved) {
            guardResolved = true;
            Expect head = expected.peek();
            Statement s = head instanceof QueryExpect q ? q.current()
                    : head instanceof ExecuteExpect e ? e.portal.statement : null;
            Portal portal = head instanceof ExecuteExpect e ? e.portal : null;
            guard = guardOf(s, portal);
            resolveMeter(s);
        }
        return guard;
    }

    /** A FETCH is metered by its cursor's DECLARE; a statement by its own meter. */
    private void resolveMeter(Statement s) {
        meteredRows = 0;
        meteredBytes = 0;
        meter = null;
        if (s == null) {
            return;
        }
        OpenCursor c = cursorFetchedBy(s);
        if (c != null) {
            meter = c.meter(); // its DECLARE's budgets; a FETCH of a cursor not known counts against them all
            return;
        }
        if (s.meter == null) {
            return;
        }
        meter = s.meter; // its lookups were counted when it was sent (chargeLookups)
    }

    /** A FETCH counts against its cursor; a portal's Executes against the portal; else each run on its own. */
    private ResultGuard guardOf(Statement s, Portal portal) {
        if (s == null) {
            return null;
        }
        OpenCursor c = cursorFetchedBy(s);
        if (c != null) {
            if (c.guard() != null) {
                c.guard().startRead();
            }
            return c.guard(); // its DECLARE's limits; a FETCH of a cursor not known has every budget's
        }
        if (s.limit == null) {
            return null;
        }
        if (portal == null) {
            return new ResultGuard(s.limit);
        }
        if (portal.guard == null) {
            portal.guard = new ResultGuard(s.limit);
        }
        portal.guard.startRead();
        return portal.guard;
    }

    /** The known cursor {@code s} FETCHes from, or null (not a FETCH, or of a cursor the tracker does not know). */
    private OpenCursor cursorFetchedBy(Statement s) {
        if (cursors.isEmpty()) {
            return null;
        }
        String name = CursorStatements.fetched(s.sql);
        return name == null ? null : cursors.get(name);
    }

    /** A statement completed: a DECLARE's cursor's FETCHes are masked, limited and metered as its query; a CLOSE ends that. */
    private void trackCursors() {
        Expect head = expected.peek();
        Statement s = head instanceof QueryExpect q ? q.current() : head instanceof ExecuteExpect e ? e.portal.statement
                : null;
        if (s == null || s == UNKNOWN) {
            return;
        }
        String closed = CursorStatements.closed(s.sql);
        if (CursorStatements.ALL.equals(closed)) {
            cursors.clear();
            portals.clear(); // CLOSE ALL closes the protocol's portals too
        } else if (closed != null) {
            cursors.remove(closed);
            portals.remove(closed);
        }
        CursorStatements.Cursor c = CursorStatements.declared(s.sql);
        if (c != null && CursorStatements.UNREADABLE.equals(c.name())) {
            cursors.clear(); // a cursor under a name it cannot read may be any of them now
        } else if (c != null) {
            portals.remove(c.name()); // one namespace: the name is this cursor now
            cursors.put(c.name(), new OpenCursor(s.limit == null ? null : new ResultGuard(s.limit), s.meter, s.masks,
                    c.holdable(), false));
        }
    }

    /**
     * The masks a result of {@code s} gets: its own lineage's, except for a FETCH, whose columns are its
     * cursor's query's. A cursor this session did not declare through a DECLARE seen here (one a function
     * opened and named) has no known lineage: every computed column of its rows is masked whole.
     */
    private StatementMasks masksOf(Statement s) {
        if (s == null) {
            return StatementMasks.UNKNOWN;
        }
        if (s.invalid) {
            return StatementMasks.MASK_COMPUTED; // PostgreSQL runs another statement than the one tracked
        }
        String name = CursorStatements.fetched(s.sql);
        if (name == null) {
            return s.masks;
        }
        OpenCursor c = cursors.get(name);
        return c != null ? c.masks() : StatementMasks.MASK_COMPUTED;
    }

    /** The masks of a run of {@code p}: its statement's, unless PostgreSQL did not bind it as tracked. */
    private StatementMasks masksOf(Portal p) {
        return p.invalid ? StatementMasks.MASK_COMPUTED : masksOf(p.statement);
    }

    /** An error or notice with the values it quotes masked, or null when it needs no change. */
    private Buffer maskDiagnostics(byte type, Buffer buf, int start, int end) {
        DiagnosticTextMasker diagnostics = masker().diagnostics();
        if (diagnostics.inactive()) {
            return null;
        }
        DiagnosticFields masked = diagnostics.mask(DiagnosticFields.parse(buf, start, end), currentStatementText());
        return masked == null ? null : masked.toMessage(type);
    }

    private Buffer maskNotification(Buffer buf, int start, int end) {
        DiagnosticTextMasker diagnostics = masker().diagnostics();
        if (diagnostics.inactive()) {
            return null;
        }
        Notification n = Notification.parse(buf, start, end);
        String payload = diagnostics.maskPayload(n.payload());
        return payload == null ? null : new Notification(n.processId(), n.channel(), payload).toMessage();
    }

    /** The text of the statement whose messages come now, as the client sent it (null when unknown). */
    private String currentStatementText() {
        Expect head = expected.peek();
        Statement s = head instanceof QueryExpect q ? q.current()
                : head instanceof ExecuteExpect e ? e.portal.statement
                        : head instanceof DescribeExpect d ? d.statement : lastParsed;
        return s == null || s == UNKNOWN ? null : s.sql;
    }

    private void skipRowDescription() {
        planned = true;
        rowPlan = null;
        if (expected.peek() instanceof DescribeExpect) {
            expected.poll();
        }
    }

    private boolean hasUnknownTables(List<Field> fields) {
        Set<Integer> unknown = null;
        for (Field f : fields) {
            if (!catalog.knows(f.tableOid())) {
                if (unknown == null) {
                    unknown = new HashSet<>();
                }
                unknown.add(f.tableOid());
            }
        }
        unknownTables = unknown;
        return unknown != null;
    }

    /**
     * Reloads the catalog for tables a result named that the snapshot lacks. Once it is done the
     * held RowDescription is shown again; tables still unlisted are accepted as holding nothing the
     * catalog could name (detectors still apply).
     */
    Future<Void> awaitHold() {
        Future<Void> cancel = cancelDelivered;
        return cancel != null && !cancel.isComplete() ? cancel : awaitCatalog();
    }

    Future<Void> awaitCatalog() {
        Set<Integer> unknown = unknownTables;
        return catalog.reload().onSuccess(v -> catalog.acceptUnknown(unknown));
    }

    private void onRowDescription(List<Field> fields) {
        planned = true;
        Expect head = expected.peek();
        if (head instanceof DescribeExpect d) {
            expected.poll();
            if (d.portal == null) {
                if (d.statement != UNKNOWN) {
                    d.statement.fields = fields; // formats are chosen by a later Bind
                }
                planned = false;
                return;
            }
            rowPlan = masker().plan(fields, masksOf(d.portal)); // a portal's description has its real formats
            if (d.statement != UNKNOWN) {
                // Later executions of the statement may skip Describe: keep its column types.
                d.statement.fields = withFormats(fields, new int[] { 0 });
            }
        } else if (head instanceof QueryExpect q) {
            Statement s = q.current();
            rowPlan = masker().plan(fields, masksOf(s));
        } else {
            // Out of step: plan from the description alone (catalog + detectors), never pass blindly.
            rowPlan = masker().plan(fields, StatementMasks.UNKNOWN);
        }
    }

    /** The Execute at the head of the queue, when the description coming now is the one the gateway asked for. */
    private ExecuteExpect describedHere() {
        return expected.peek() instanceof ExecuteExpect e && e.describedHere ? e : null;
    }

    /** The gateway's own Describe of an Execute's portal answered: its rows follow, planned by it. */
    private void planDescribedHere(ExecuteExpect e, List<Field> fields) {
        planned = true;
        rowPlan = masker().plan(fields, masksOf(e.portal)); // a portal's description has its real formats
        if (e.portal.statement != UNKNOWN) {
            e.portal.statement.fields = withFormats(fields, new int[] { 0 }); // later runs need no Describe
        }
    }

    /** Rows of an Execute come without a RowDescription when the client described earlier. */
    private void planRowsWithoutDescription(int columns) {
        planned = true;
        if (masker().inactive()) {
            rowPlan = null;
            return;
        }
        if (expected.peek() instanceof ExecuteExpect e) {
            rowPlan = planExecute(e, columns);
        } else {
            rowPlan = masker().planWithoutDescription(columns, null, StatementMasks.UNKNOWN);
        }
    }

    private ColumnMask[] planExecute(ExecuteExpect e, int columns) {
        Statement s = e.portal.statement;
        masker();
        boolean asTracked = !e.portal.invalid && !s.invalid;
        if (asTracked && s.fields != null && s.fields.size() == columns) {
            return masker.plan(withFormats(s.fields, e.portal.formats), masksOf(s));
        }
        return masker.planWithoutDescription(columns, e.portal.formats, masksOf(e.portal));
    }

    private static List<Field> withFormats(List<Field> fields, int[] formats) {
        if (formats == null || formats.length == 0) {
            return fields;
        }
        List<Field> out = new ArrayList<>(fields.size());
        for (int i = 0; i < fields.size(); i++) {
            out.add(fields.get(i).withFormat(ResultMasker.formatOf(formats, i)));
        }
        return out;
    }

    private void startCopy(Buffer buf, int start, int end) {
        Expect head = expected.peek();
        Statement s = head instanceof QueryExpect q ? q.current()
                : head instanceof ExecuteExpect e ? e.portal.statement : null;
        masker();
        if (masker.inactive()) {
            copy = null; // nothing to mask: the data passes as PostgreSQL sends it
            return;
        }
        // Fields are cut where the statement's own options put their ends (delimiter, quote, escape...).
        CopyFormat declared = s == null || s == UNKNOWN ? CopyFormat.text() : CopyOptions.declared(s.sql);
        if (declared == null || declared.isBinary()) {
            // The gate refuses such a COPY when masking is on; if one gets here, end the session.
            throw new ProtocolException(SqlState.INSUFFICIENT_PRIVILEGE,
                    declared == null ? "COPY options pgwarden cannot read" : "binary COPY cannot be masked");
        }
        CopyFormat format = CopyFormat.fromCopyOutResponse(buf, start, end, declared);
        int columns = buf.getUnsignedShort(start + 6);
        StatementMasks masks = s == null ? StatementMasks.UNKNOWN
                : head instanceof ExecuteExpect e ? (e.portal.invalid || s.invalid ? StatementMasks.MASK_COMPUTED : s.masks)
                : s.masks;
        ColumnMask[] plan = masker.planForCopy(columns, masks);
        copy = plan == null ? null : new CopyTextRewriter(format, plan, masker.values(), masker.detectors());
    }

    private void endOfResult() {
        reportMeter();
        rowPlan = null;
        planned = false;
        guardResolved = false;
        guard = null;
        Expect head = expected.peek();
        if (head instanceof ExecuteExpect) {
            expected.poll();
        } else if (head instanceof QueryExpect q) {
            q.index++;
        }
    }

    /** The error of a message the gateway refused (sent in its place to the client) came back. */
    void refusalAnswered() {
        if (!dropUntilReady) {
            onError();
        }
    }

    private void onError() {
        transactionFailed = true;
        reportMeter();
        rowPlan = null;
        planned = false;
        copy = null;
        guardResolved = false;
        guard = null;
        Expect head = expected.peek();
        if (head instanceof QueryExpect) {
            return; // the rest of the string is abandoned; ReadyForQuery ends it
        }
        // Extended protocol: the message at the head failed and PostgreSQL skips everything after it up
        // to the next Sync, a Query or FunctionCall too. Only this batch: later ones are not skipped.
        List<NameChange<?>> failed = new ArrayList<>();
        while (!expected.isEmpty() && !(expected.peek() instanceof SyncExpect)) {
            if (expected.poll() instanceof NameChange<?> c) {
                failed.add(c);
            }
        }
        undo(failed);
    }

    private void onReady(byte transactionStatus) {
        reportMeter();
        rowPlan = null;
        planned = false;
        copy = null;
        guardResolved = false;
        guard = null;
        dropUntilReady = false;
        if (transactionStatus == 'I') {
            // The transaction ended: so did the protocol's portals and its cursors without HOLD; one that
            // failed took its WITH HOLD cursors with it, one that committed keeps them.
            portals.clear();
            if (!cursors.isEmpty()) {
                boolean failed = transactionFailed;
                cursors.values().removeIf(c -> !c.holdable() || failed && !c.committed());
                cursors.replaceAll((name, c) -> c.commit());
            }
            transactionFailed = false;
        }
        List<NameChange<?>> unconfirmed = new ArrayList<>();
        while (!expected.isEmpty()) {
            Expect e = expected.poll();
            if (e instanceof SyncExpect || e instanceof QueryExpect) {
                break; // a Query inside a batch that ran has its own ReadyForQuery; the Sync's comes later
            }
            if (e instanceof NameChange<?> c) {
                unconfirmed.add(c); // the server skipped it without an error we saw
            }
        }
        undo(unconfirmed);
    }

    /**
     * PostgreSQL confirms a DEALLOCATE (or DISCARD ALL): the names the gate marked
     * {@link SessionInfo#DEALLOCATING} are free again, so a new PREPARE of one is taken as it is.
     */
    private void confirmDeallocate(Buffer buf, int start, int end) {
        if (sqlPrepared.isEmpty() || end - start < 5 + 8 || buf.getByte(start + 5) != 'D') {
            return;
        }
        String tag = buf.getString(start + 5, end - 1);
        if (tag.equals("DISCARD ALL")) {
            sqlPrepared.clear();
        } else if (tag.equals("DEALLOCATE ALL")) {
            sqlPrepared.values().removeIf(SessionInfo.DEALLOCATING::equals);
        } else if (tag.equals("DEALLOCATE")) {
            Expect head = expected.peek();
            Statement s = head instanceof QueryExpect q ? q.current() : head instanceof ExecuteExpect e
                    ? e.portal.statement : null;
            String name = s == null ? null : PreparedStatementNames.touched(s.sql);
            if (name != null && !PreparedStatementNames.ALL.equals(name)) {
                sqlPrepared.remove(name, SessionInfo.DEALLOCATING);
            }
        }
    }

    /** A CommandComplete of ROLLBACK (also ROLLBACK TO SAVEPOINT, and a COMMIT of a failed transaction). */
    private static boolean isRollback(Buffer buf, int start, int end) {
        return end - start == 5 + 9 && buf.getByte(start + 5) == 'R'
                && "ROLLBACK".equals(buf.getString(start + 5, end - 1));
    }
}
