package dev.pgwarden.proxy;

import io.vertx.core.buffer.Buffer;

/**
 * Collects consecutive untouched frames of one read chunk into a single slice, so a chunk that
 * needs no rewriting goes out as one write (one syscall) without copying.
 */
final class BatchWriter {
    private final RelayEndpoint out;
    private final RelayEndpoint source;
    private Buffer runBuf;
    private int runStart;
    private int runEnd;
    private boolean wrote;

    /** @param source the endpoint whose chunks are relayed (its buffers may be slices of pooled memory) */
    BatchWriter(RelayEndpoint out, RelayEndpoint source) {
        this.out = out;
        this.source = source;
    }

    /** Relays the frame {@code start..end} of {@code buf} unchanged. */
    void pass(Buffer buf, int start, int end) {
        if (runBuf == buf && runEnd == start) {
            runEnd = end;
            return;
        }
        flush();
        runBuf = buf;
        runStart = start;
        runEnd = end;
    }

    /** Sends a gateway-made message in place of a frame, keeping order. */
    void replace(Buffer message) {
        flush();
        out.write(message);
        wrote = true;
    }

    /** Ends the batch: whatever is collected goes out now. */
    void flush() {
        if (runBuf != null && runEnd > runStart) {
            out.write(runBuf, runStart, runEnd, source);
            wrote = true;
        }
        runBuf = null;
    }

    /** @return whether anything was written since the last call (for backpressure checks) */
    boolean takeWrote() {
        boolean w = wrote;
        wrote = false;
        return w;
    }
}
