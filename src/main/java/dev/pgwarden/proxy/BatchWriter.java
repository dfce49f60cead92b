package dev.pgwarden.proxy;

import io.vertx.core.buffer.Buffer;

/**
 * Turns the frames of one read chunk into as few writes as it can. Consecutive untouched frames
 * go out as one slice of the chunk, without copying. Once a frame of the chunk is replaced (a masked
 * DataRow, a refusal), it and every frame after it are copied into one assembled buffer instead:
 * each write to the other socket is a flush, so writing every masked row on its own would cost
 * one system call per row.
 */
final class BatchWriter {
    /** Bytes assembled beyond which they go out before the chunk ends (bounds memory per session). */
    private static final int MAX_ASSEMBLED = 256 * 1024;

    private final RelayEndpoint out;
    private final RelayEndpoint source;
    private Buffer runBuf;
    private int runStart;
    private int runEnd;
    private Buffer assembled;
    private boolean wrote;

    /** @param source the endpoint whose chunks are relayed (its buffers may be slices of pooled memory) */
    BatchWriter(RelayEndpoint out, RelayEndpoint source) {
        this.out = out;
        this.source = source;
    }

    /** Relays the frame {@code start..end} of {@code buf} unchanged. */
    void pass(Buffer buf, int start, int end) {
        if (assembled != null) {
            assembled.appendBuffer(buf, start, end - start);
            writeIfLarge();
            return;
        }
        if (runBuf == buf && runEnd == start) {
            runEnd = end;
            return;
        }
        writeRun();
        runBuf = buf;
        runStart = start;
        runEnd = end;
    }

    /** Sends a gateway-made message in place of a frame, keeping order. */
    void replace(Buffer message) {
        if (assembled == null) {
            int run = runBuf == null ? 0 : runEnd - runStart;
            assembled = Buffer.buffer(Math.min(MAX_ASSEMBLED, run + 16 * message.length()));
            if (run > 0) {
                assembled.appendBuffer(runBuf, runStart, run);
            }
            runBuf = null;
        }
        assembled.appendBuffer(message);
        writeIfLarge();
    }

    /** Ends the batch: whatever is collected goes out now. */
    void flush() {
        writeRun();
        if (assembled != null) {
            out.write(assembled);
            wrote = true;
            assembled = null;
        }
    }

    /**
     * The messages collected so far wait for the next {@link #flush} (the read chunk they came in is
     * released meanwhile, so they are copied): a ReadyForQuery held for the audit commit then goes
     * out in one write with the rows before it, instead of a write each (two system calls, and two
     * wake-ups of the client). More than {@link #MAX_ASSEMBLED} go out now.
     */
    void holdBack() {
        if (runBuf != null && runEnd > runStart) {
            int run = runEnd - runStart;
            if (assembled == null) {
                assembled = Buffer.buffer(run + 64);
            }
            assembled.appendBuffer(runBuf, runStart, run);
        }
        runBuf = null;
        if (assembled != null) {
            writeIfLarge();
        }
    }

    private void writeRun() {
        if (runBuf != null && runEnd > runStart) {
            out.write(runBuf, runStart, runEnd, source);
            wrote = true;
        }
        runBuf = null;
    }

    private void writeIfLarge() {
        if (assembled.length() >= MAX_ASSEMBLED) {
            flush();
        }
    }

    /** @return whether anything was written since the last call (for backpressure checks) */
    boolean takeWrote() {
        boolean w = wrote;
        wrote = false;
        return w;
    }
}
