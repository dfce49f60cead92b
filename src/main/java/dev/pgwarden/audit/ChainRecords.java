package dev.pgwarden.audit;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * Entries other parts of the gateway add to the global chain (besides ended sessions and retention
 * runs), such as a subject crossing its budget: tamper-evident, checked by {@code audit verify}
 * and part of the export like every chain entry.
 */
public final class ChainRecords {
    private ChainRecords() {
    }

    /**
     * Appends an entry of {@code kind} with a JSON {@code detail}, inside the caller's transaction
     * on {@code c} (which must not be in autocommit): the chain's head stays locked until it ends.
     *
     * @return the entry's sequence number
     */
    public static long append(Connection c, String kind, String detail) throws SQLException {
        AuditStore.GlobalChain chain = AuditStore.GlobalChain.lock(c);
        chain.append(c, kind, null, null, detail, Micros.now());
        chain.saveHead(c);
        return chain.seq();
    }
}
