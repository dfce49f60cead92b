package dev.pgwarden.proxy.upstream;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.jboss.logging.Logger;

import dev.pgwarden.wire.DataRows;
import dev.pgwarden.wire.FrontendMessages;
import dev.pgwarden.wire.MessageFramer;
import dev.pgwarden.wire.MessageTypes;
import dev.pgwarden.wire.PgError;
import dev.pgwarden.wire.ProtocolException;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;

/**
 * The gateway's own side connection under one role, for questions it asks PostgreSQL (EXPLAIN for
 * lineage and estimates, catalog lookups) without touching a client's session. Queries run one at
 * a time in arrival order; a broken connection fails what is queued and is reopened on next use.
 * Use from one event loop.
 */
public final class SideQueryClient {
    private static final Logger LOG = Logger.getLogger(SideQueryClient.class);
    /** A failed side query: PostgreSQL's error, or a connection problem. */
    public static final class SideQueryFailure extends RuntimeException {
        private final PgError error;

        SideQueryFailure(PgError error, String message) {
            super(message, null, false, false);
            this.error = error;
        }

        /** PostgreSQL's error, or null when the connection failed. */
        public PgError pgError() {
            return error;
        }
    }

    private record Pending(String sql, Promise<List<List<String>>> result) {
    }

    private final UpstreamConnector connector;
    private final String role;
    private final ArrayDeque<Pending> queue = new ArrayDeque<>();
    private UpstreamSession session;
    private boolean connecting;
    private Pending running;
    private List<List<String>> rows;
    private PgError error;

    public SideQueryClient(UpstreamConnector connector, String role) {
        this.connector = connector;
        this.role = role;
    }

    /** Runs one simple query; resolves to its rows as text values (null for SQL NULL). */
    public Future<List<List<String>>> query(String sql) {
        Promise<List<List<String>>> p = Promise.promise();
        queue.add(new Pending(sql, p));
        pump();
        return p.future();
    }

    /** Queries asked and not answered yet (the one running included). */
    public int outstanding() {
        return queue.size() + (running != null ? 1 : 0);
    }

    private void pump() {
        if (running != null || queue.isEmpty()) {
            return;
        }
        if (session == null) {
            if (!connecting) {
                connecting = true;
                connector.connect(role, Map.of("application_name", "pgwarden-side")).onComplete(r -> {
                    connecting = false;
                    if (r.failed()) {
                        failAll(new SideQueryFailure(null, "side connection failed: " + r.cause().getMessage()));
                        return;
                    }
                    attach(r.result());
                    pump();
                });
            }
            return;
        }
        running = queue.poll();
        rows = new ArrayList<>();
        error = null;
        session.socket().write(FrontendMessages.query(running.sql()));
    }

    private void attach(UpstreamSession s) {
        session = s;
        MessageFramer framer = s.framer();
        s.socket().handler(chunk -> {
            try {
                framer.feed(chunk, this::onMessage);
            } catch (ProtocolException e) {
                LOG.warnf("side connection stopped: %s", e.getMessage());
                broken("invalid message on side connection");
            } catch (RuntimeException e) {
                LOG.errorf(e, "unchecked failure reading a side connection's messages");
                broken("invalid message on side connection");
            }
        });
        s.socket().closeHandler(v -> broken("side connection closed"));
        s.socket().exceptionHandler(e -> broken("side connection error"));
        framer.resume(this::onMessage);
    }

    private boolean onMessage(byte type, Buffer buf, int start, int end) {
        if (running == null) {
            return true; // notices or parameter changes between queries
        }
        switch (type) {
            case MessageTypes.DATA_ROW -> rows.add(DataRows.textValues(buf, start));
            case MessageTypes.ERROR_RESPONSE -> error = PgError.parse(buf, start, end);
            case MessageTypes.READY_FOR_QUERY -> {
                Pending done = running;
                running = null;
                if (error != null) {
                    done.result().fail(new SideQueryFailure(error, error.message()));
                } else {
                    done.result().complete(rows);
                }
                pump();
            }
            default -> {
                // RowDescription, CommandComplete, notices: nothing to keep
            }
        }
        return true;
    }

    private void broken(String why) {
        if (session != null) {
            session.socket().close();
        }
        session = null;
        SideQueryFailure f = new SideQueryFailure(null, why);
        if (running != null) {
            running.result().tryFail(f);
            running = null;
        }
        failAll(f);
    }

    private void failAll(SideQueryFailure f) {
        Pending p;
        while ((p = queue.poll()) != null) {
            p.result().tryFail(f);
        }
    }

    public void close() {
        if (session != null) {
            session.socket().end(FrontendMessages.terminate());
            session = null;
        }
    }
}
