package dev.pgwarden.proxy;

import java.util.List;

import dev.pgwarden.masking.StatementMasks;
import dev.pgwarden.wire.PgError;
import io.vertx.core.Future;

/**
 * The policy seam: every simple-query string and every Parse'd statement passes here before it
 * reaches PostgreSQL. A refusal makes the gateway answer with that error in the statement's place
 * (in order, with the protocol's skip-to-Sync semantics); an allowed statement carries what its
 * analysis knows about its result columns, for masking.
 */
public interface StatementGate {

    /**
     * @param refusal    null when allowed
     * @param statements the statements of a simple-query string, in order (one for Parse)
     * @param masks      lineage per statement (same order), or empty when unknown
     */
    record Verdict(PgError refusal, List<String> statements, List<StatementMasks> masks) {
        public static Verdict allow(String sql) {
            return new Verdict(null, List.of(sql), List.of());
        }

        public static Verdict refuse(PgError error) {
            return new Verdict(error, List.of(), List.of());
        }

        public StatementMasks masksOf(int i) {
            return i < masks.size() ? masks.get(i) : StatementMasks.UNKNOWN;
        }
    }

    /**
     * Called on the session's event loop; must not block it. A verdict that needs work (parsing a
     * new statement, asking the planner) completes later, and the session waits for it.
     */
    Future<Verdict> check(SessionInfo session, String sql, boolean extendedProtocol);

    /** Everything passes (tests of the bare relay). */
    StatementGate PASS_THROUGH = (session, sql, extended) -> Future.succeededFuture(Verdict.allow(sql));
}
