package dev.pgwarden.wire;

import io.vertx.core.buffer.Buffer;

/**
 * Splits a byte stream into protocol messages without copying them: the visitor sees each
 * complete message as a range of the buffer it arrived in. Only an incomplete tail is carried
 * over to the next chunk. Startup-phase packets have no type byte, so the framer has two modes.
 */
public final class MessageFramer {

    /** Receives complete messages; {@code start}..{@code end} spans the whole frame, header included. */
    public interface Visitor {
        /** @return false to stop here: the rest stays buffered until {@link #resume}. */
        boolean onMessage(byte type, Buffer buf, int start, int end);

        /** Called once per feed/resume after the last visited message, before returning. */
        default void onBatchEnd(Buffer buf) {
        }
    }

    /** Checks a typed frame's layout before the visitor sees it (see {@link FrontendLayout}, {@link BackendLayout}). */
    public interface LayoutCheck {
        /** @throws ProtocolException when the frame is malformed */
        void check(byte type, Buffer buf, int start, int end);
    }

    public static final int HARD_MAX_MESSAGE_SIZE = 1 << 30;
    public static final int MAX_STARTUP_PACKET_SIZE = 10_000;

    private final int maxMessageSize;
    private final LayoutCheck layout;
    private boolean typed;
    private Buffer pending;
    private int unreadInChunk;
    private boolean holdRequested;

    public MessageFramer(int maxMessageSize, boolean typed) {
        this(maxMessageSize, typed, null);
    }

    /** @param layout checks every typed frame before the visitor sees it; null for none */
    public MessageFramer(int maxMessageSize, boolean typed, LayoutCheck layout) {
        if (maxMessageSize < 1024 || maxMessageSize > HARD_MAX_MESSAGE_SIZE) {
            throw new IllegalArgumentException("max message size must be between 1 KiB and 1 GiB");
        }
        this.maxMessageSize = maxMessageSize;
        this.typed = typed;
        this.layout = layout;
    }

    /** After the startup packet every message carries a type byte. */
    public void switchToTypedMessages() {
        typed = true;
    }

    /** Whether bytes beyond the message being visited have arrived (pipelined behind it). */
    public boolean hasBufferedBytes() {
        return unreadInChunk > 0 || (pending != null && pending.length() > 0);
    }

    public int bufferedBytes() {
        return pending == null ? 0 : pending.length();
    }

    /** Drops whatever is buffered (used when bytes must not survive a state change, e.g. a TLS upgrade). */
    public void discardBuffered() {
        pending = null;
        unreadInChunk = 0;
    }

    /**
     * Called by a visitor that cannot handle the message it is shown yet (it waits for something
     * asynchronous). It must then return false; the message stays buffered and {@link #resume}
     * shows it again.
     */
    public void holdCurrent() {
        holdRequested = true;
    }

    /** Buffers a chunk without looking at it, while a held message waits. */
    public void append(Buffer chunk) {
        pending = pending == null || pending.length() == 0
                ? Buffer.buffer(Math.max(256, chunk.length())).appendBuffer(chunk)
                : pending.appendBuffer(chunk);
    }

    public void feed(Buffer chunk, Visitor visitor) {
        Buffer buf;
        if (pending == null || pending.length() == 0) {
            buf = chunk;
        } else {
            buf = pending.appendBuffer(chunk);
        }
        pending = null;
        scan(buf, visitor);
    }

    /** Continues with bytes left buffered by a visitor that returned false. */
    public void resume(Visitor visitor) {
        if (pending == null || pending.length() == 0) {
            return;
        }
        Buffer buf = pending;
        pending = null;
        scan(buf, visitor);
    }

    private void scan(Buffer buf, Visitor visitor) {
        int pos = 0;
        int length = buf.length();
        // Re-read the mode per message: the visitor may switch to typed messages mid-chunk.
        while (length - pos >= (typed ? 5 : 4)) {
            boolean typedNow = typed;
            int declared = buf.getInt(typedNow ? pos + 1 : pos);
            validateLength(declared, typedNow);
            int end = pos + (typedNow ? 1 : 0) + declared;
            if (end > length) {
                break;
            }
            byte type = typedNow ? buf.getByte(pos) : 0;
            if (typedNow && layout != null) {
                layout.check(type, buf, pos, end);
            }
            int start = pos;
            pos = end;
            unreadInChunk = length - pos;
            if (!visitor.onMessage(type, buf, start, end)) {
                if (holdRequested) {
                    holdRequested = false;
                    pos = start;
                }
                break;
            }
        }
        unreadInChunk = 0;
        if (pos < length) {
            // Copy only the tail, so the visitor may keep slices of the chunk it was shown.
            pending = Buffer.buffer(Math.max(256, length - pos)).appendBuffer(buf, pos, length - pos);
        }
        visitor.onBatchEnd(buf);
    }

    private void validateLength(int declared, boolean typedMessage) {
        if (declared < 4) {
            throw new ProtocolException("invalid message length " + declared);
        }
        if (!typedMessage && (declared < 8 || declared > MAX_STARTUP_PACKET_SIZE)) {
            // PostgreSQL's own bound; a larger "startup packet" is a non-Postgres client or an attack.
            throw new ProtocolException("invalid length of startup packet");
        }
        if (declared > maxMessageSize) {
            throw new ProtocolException(SqlState.PROGRAM_LIMIT_EXCEEDED,
                    "message length " + declared + " exceeds the maximum of " + maxMessageSize + " bytes");
        }
    }
}
