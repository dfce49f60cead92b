package dev.pgwarden.proxy.upstream;

import java.util.Map;

import dev.pgwarden.wire.MessageFramer;
import io.vertx.core.net.NetSocket;

/**
 * An authenticated upstream connection already running under the mapped role.
 *
 * @param parameters the server's ParameterStatus values, in arrival order, to replay to the client
 * @param framer     carries any bytes that arrived after the handshake
 */
public record UpstreamSession(NetSocket socket, MessageFramer framer, Map<String, String> parameters,
        int processId, byte[] secretKey, String role) {
}
