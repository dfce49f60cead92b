package dev.pgwarden.proxy;

import java.util.function.Consumer;

import io.netty.buffer.ByteBuf;
import io.netty.util.ReferenceCountUtil;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.impl.NetSocketInternal;

/**
 * One socket of the relay, read and written without copies: Vert.x' plain data handler copies
 * every chunk to the heap and the write path copies it back; here the pooled buffer Netty read
 * into is framed in place, and untouched frames go out to the other socket as retained slices of
 * it (retained, because the write may sit in the outbound buffer long after the chunk is released).
 */
final class RelayEndpoint {
    private final NetSocketInternal socket;
    private ByteBuf current;
    private Buffer currentView;

    RelayEndpoint(NetSocket socket) {
        this.socket = (NetSocketInternal) socket;
    }

    /** Delivers each read chunk; the buffer is valid only during the call. */
    void onChunk(Consumer<Buffer> consumer) {
        socket.messageHandler(msg -> {
            if (!(msg instanceof ByteBuf bb)) {
                ReferenceCountUtil.release(msg);
                return;
            }
            current = bb;
            currentView = Buffer.buffer(bb.slice());
            try {
                consumer.accept(currentView);
            } finally {
                current = null;
                currentView = null;
                bb.release();
            }
        });
    }

    /**
     * Writes {@code start..end} of {@code buf}, which is either the chunk {@code source} is reading
     * now (sent as a retained slice, no copy) or a heap buffer the gateway owns.
     */
    void write(Buffer buf, int start, int end, RelayEndpoint source) {
        if (buf == source.currentView) {
            ByteBuf chunk = source.current;
            socket.writeMessage(chunk.retainedSlice(chunk.readerIndex() + start, end - start), null);
        } else {
            socket.write(start == 0 && end == buf.length() ? buf : buf.slice(start, end), null);
        }
    }

    void write(Buffer message) {
        socket.write(message, null);
    }
}
