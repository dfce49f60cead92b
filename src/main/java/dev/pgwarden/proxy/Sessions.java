package dev.pgwarden.proxy;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongConsumer;

import dev.pgwarden.wire.PgError;

/**
 * The open client connections and the proxy's event counters, for metrics (read by
 * {@code dev.pgwarden.ops.GatewayMetrics}) and graceful shutdown. Counting is one
 * {@link LongAdder#increment()}: no allocation, no lock.
 */
public class Sessions {
    private final Set<ClientSession> open = ConcurrentHashMap.newKeySet();
    private final LongAdder upstreamConnectErrors = new LongAdder();
    private final LongAdder loginsRefusedToken = new LongAdder();
    private final LongAdder loginsRefusedNoRole = new LongAdder();
    private final LongAdder statementsRefused = new LongAdder();
    private final LongAdder statementsAllowed = new LongAdder();
    private final LongAdder statementsApproved = new LongAdder();
    private final LongAdder rowsMasked = new LongAdder();
    private final LongAdder bytesFromClients = new LongAdder();
    private final LongAdder bytesToClients = new LongAdder();
    /** Where statement latencies go (a Micrometer timer once metrics are bound); nanoseconds. */
    private volatile LongConsumer statementLatency = nanos -> {
    };

    void opened(ClientSession s) {
        open.add(s);
    }

    void closed(ClientSession s) {
        open.remove(s);
    }

    public int openCount() {
        return open.size();
    }

    /** Sessions running a statement, waiting for one's answer, or inside a transaction. */
    public int busyCount() {
        int n = 0;
        for (ClientSession s : open) {
            if (!s.idle()) {
                n++;
            }
        }
        return n;
    }

    /** Ends every session with {@code error} (e.g. 57P01 at shutdown). */
    public void terminateAll(PgError error) {
        open.forEach(s -> s.terminate(error));
    }

    /** Ends the sessions that are idle now (checked again on each session's event loop). */
    public void terminateIdle(PgError error) {
        for (ClientSession s : open) {
            if (s.idle()) {
                s.terminateIfIdle(error);
            }
        }
    }

    void upstreamConnectFailed() {
        upstreamConnectErrors.increment();
    }

    void loginRefusedToken() {
        loginsRefusedToken.increment();
    }

    void loginRefusedNoRole() {
        loginsRefusedNoRole.increment();
    }

    void statementRefused() {
        statementsRefused.increment();
    }

    void statementAllowed(boolean onApproval) {
        (onApproval ? statementsApproved : statementsAllowed).increment();
    }

    void rowMasked() {
        rowsMasked.increment();
    }

    void fromClient(int bytes) {
        bytesFromClients.add(bytes);
    }

    void toClient(int bytes) {
        bytesToClients.add(bytes);
    }

    /** From a Query or Sync going upstream to its ReadyForQuery coming back. */
    void statementTook(long nanos) {
        statementLatency.accept(nanos);
    }

    public void statementLatencyTo(LongConsumer sink) {
        statementLatency = sink;
    }

    public long statementsAllowed() {
        return statementsAllowed.sum();
    }

    public long statementsApproved() {
        return statementsApproved.sum();
    }

    /** Result messages (rows, COPY data) the gateway rewrote to mask values. */
    public long rowsMasked() {
        return rowsMasked.sum();
    }

    public long bytesFromClients() {
        return bytesFromClients.sum();
    }

    public long bytesToClients() {
        return bytesToClients.sum();
    }

    /** Client logins that failed because the gateway could not connect or log in upstream. */
    public long upstreamConnectErrors() {
        return upstreamConnectErrors.sum();
    }

    /** Logins refused because the token was missing, invalid, expired, of another issuer or audience. */
    public long loginsRefusedToken() {
        return loginsRefusedToken.sum();
    }

    /** Logins refused because no database role is mapped to the token's groups. */
    public long loginsRefusedNoRole() {
        return loginsRefusedNoRole.sum();
    }

    /** Query / Parse messages the statement gate refused (policy rules, always-refused statements, fail-closed). */
    public long statementsRefused() {
        return statementsRefused.sum();
    }
}
