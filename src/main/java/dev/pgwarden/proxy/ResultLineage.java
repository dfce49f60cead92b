package dev.pgwarden.proxy;

import io.vertx.core.Future;

/**
 * A second step after the statement gate: adds what is known about an allowed statement's result
 * columns (for masking), which may need the planner. Called on the session's event loop.
 */
public interface ResultLineage {
    Future<StatementGate.Verdict> resolve(SessionInfo session, StatementGate.Verdict verdict, boolean extended);
}
