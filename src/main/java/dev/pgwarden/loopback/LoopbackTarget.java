package dev.pgwarden.loopback;

import java.util.Optional;

/**
 * Where the gateway's listener is reached from inside the gateway.
 *
 * @param tlsCertFile the listener's own certificate when it offers TLS: the loopback client then
 *                    encrypts too and trusts exactly that certificate
 */
public record LoopbackTarget(String host, int port, String database, int maxMessageSize, Optional<String> tlsCertFile) {

    /** A wildcard listen address is reached on loopback. */
    public static String connectHost(String listenHost) {
        return switch (listenHost) {
            case "0.0.0.0", "*", "" -> "127.0.0.1";
            case "::", "[::]", "::0" -> "::1";
            default -> listenHost;
        };
    }
}
