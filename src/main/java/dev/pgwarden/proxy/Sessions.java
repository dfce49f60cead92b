package dev.pgwarden.proxy;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;

import dev.pgwarden.wire.PgError;

/** The open client connections, for metrics and graceful shutdown. */
@ApplicationScoped
public class Sessions {
    private final Set<ClientSession> open = ConcurrentHashMap.newKeySet();

    void opened(ClientSession s) {
        open.add(s);
    }

    void closed(ClientSession s) {
        open.remove(s);
    }

    public int openCount() {
        return open.size();
    }

    /** Ends every session with {@code error} (e.g. 57P01 at shutdown). */
    public void terminateAll(PgError error) {
        open.forEach(s -> s.terminate(error));
    }
}
