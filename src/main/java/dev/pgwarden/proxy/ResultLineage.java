package dev.pgwarden.proxy;

import io.vertx.core.Future;

/**
 * A second step after the statement gate: adds what is known about an allowed statement's result
 * columns (for masking), which may need the planner. Called on the session's event loop.
 */
public interface ResultLineage {

    /**
     * @param text    the text the client sent (the verdict's statements are its statements, in order)
     * @param verdict the gate's verdict on it
     */
    Future<StatementGate.Verdict> resolve(SessionInfo session, String text, StatementGate.Verdict verdict,
            boolean extended);
}
