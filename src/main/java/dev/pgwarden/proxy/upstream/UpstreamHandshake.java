package dev.pgwarden.proxy.upstream;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

import org.jboss.logging.Logger;

import dev.pgwarden.wire.FrontendMessages;
import dev.pgwarden.wire.MessageFramer;
import dev.pgwarden.wire.MessageTypes;
import dev.pgwarden.wire.PgError;
import dev.pgwarden.wire.ProtocolException;
import dev.pgwarden.wire.SqlState;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetSocket;

/** Drives one upstream login: authentication, startup parameters, then SET ROLE. */
final class UpstreamHandshake implements MessageFramer.Visitor {
    private static final Logger LOG = Logger.getLogger(UpstreamHandshake.class);

    private enum Stage { AUTHENTICATING, STARTING, SETTING_ROLE, DONE }

    private final NetSocket socket;
    private final UpstreamCredentials credentials;
    private final String role;
    private final MessageFramer framer;
    private final Promise<UpstreamSession> result;
    private final Map<String, String> parameters = new LinkedHashMap<>();
    private Stage stage = Stage.AUTHENTICATING;
    private ScramSha256 scram;
    private int processId;
    private byte[] secret = new byte[0];

    UpstreamHandshake(NetSocket socket, UpstreamCredentials credentials, String role, MessageFramer framer,
            Promise<UpstreamSession> result) {
        this.socket = socket;
        this.credentials = credentials;
        this.role = role;
        this.framer = framer;
        this.result = result;
    }

    void onData(Buffer chunk) {
        try {
            framer.feed(chunk, this);
        } catch (UpstreamFailure e) {
            fail(e);
        } catch (ProtocolException e) {
            LOG.warnf("upstream login stopped: %s", e.getMessage());
            fail(new UpstreamFailure(SqlState.PROTOCOL_VIOLATION, "upstream database sent an invalid message during login"));
        } catch (RuntimeException e) {
            // A reader trusting a field the layout check should have refused: a bug, but only this login fails.
            LOG.errorf(e, "unchecked failure reading the upstream's login messages");
            fail(new UpstreamFailure("upstream database sent an invalid message during login"));
        }
    }

    @Override
    public boolean onMessage(byte type, Buffer buf, int start, int end) {
        if (result.future().isComplete()) {
            return false;
        }
        switch (type) {
            case MessageTypes.AUTHENTICATION -> onAuthentication(buf, start, end);
            case MessageTypes.PARAMETER_STATUS -> onParameterStatus(buf, start, end);
            case MessageTypes.BACKEND_KEY_DATA -> {
                processId = buf.getInt(start + 5);
                secret = buf.getBytes(start + 9, end);
            }
            case MessageTypes.ERROR_RESPONSE -> onError(PgError.parse(buf, start, end));
            case MessageTypes.READY_FOR_QUERY -> onReady();
            case MessageTypes.NOTICE_RESPONSE, MessageTypes.COMMAND_COMPLETE, MessageTypes.NEGOTIATE_PROTOCOL_VERSION -> {
                // nothing to act on during login
            }
            default -> throw new UpstreamFailure("unexpected message '" + (char) type + "' from upstream during login");
        }
        return stage != Stage.DONE;
    }

    private void onAuthentication(Buffer buf, int start, int end) {
        if (stage != Stage.AUTHENTICATING) {
            throw new UpstreamFailure("unexpected authentication message from upstream");
        }
        int kind = buf.getInt(start + 5);
        switch (kind) {
            case MessageTypes.AUTH_OK -> stage = Stage.STARTING;
            case MessageTypes.AUTH_CLEARTEXT -> socket.write(FrontendMessages.password(new String(credentials.password())));
            case MessageTypes.AUTH_MD5 -> socket.write(FrontendMessages.password(
                    Md5Password.hash(credentials.user(), credentials.password(), buf.getBytes(start + 9, start + 13))));
            case MessageTypes.AUTH_SASL -> startScram(buf.getString(start + 9, end, StandardCharsets.UTF_8.name()));
            case MessageTypes.AUTH_SASL_CONTINUE -> socket.write(
                    FrontendMessages.saslResponse(scram().clientFinal(buf.getBytes(start + 9, end))));
            case MessageTypes.AUTH_SASL_FINAL -> scram().verifyServerFinal(buf.getBytes(start + 9, end));
            default -> throw new UpstreamFailure("upstream asked for an authentication method pgwarden does not support ("
                    + kind + ")");
        }
    }

    private void startScram(String mechanisms) {
        // The list is NUL-separated; channel binding (-PLUS) is not used, plain SCRAM-SHA-256 must be offered.
        if (!Arrays.asList(mechanisms.split("\0")).contains(ScramSha256.MECHANISM)) {
            throw new UpstreamFailure("upstream offers no SASL mechanism pgwarden supports");
        }
        scram = new ScramSha256(credentials);
        socket.write(FrontendMessages.saslInitialResponse(ScramSha256.MECHANISM, scram.clientFirst()));
    }

    private ScramSha256 scram() {
        if (scram == null) {
            throw new UpstreamFailure("upstream SASL exchange out of order");
        }
        return scram;
    }

    private void onParameterStatus(Buffer buf, int start, int end) {
        String[] kv = buf.getString(start + 5, end - 1, StandardCharsets.UTF_8.name()).split("\0", 2);
        parameters.put(kv[0], kv.length > 1 ? kv[1] : "");
    }

    private void onError(PgError error) {
        if (stage == Stage.SETTING_ROLE) {
            LOG.warnf("upstream refused SET ROLE %s: %s", role, error.message());
            throw new UpstreamFailure(SqlState.INVALID_AUTHORIZATION,
                    "the mapped database role \"" + role + "\" cannot be assumed by the gateway");
        }
        // The upstream message names our login user at most, never the password; keep it in our log only.
        LOG.warnf("upstream refused the gateway's login (SQLSTATE %s): %s", error.sqlState(), error.message());
        throw new UpstreamFailure("upstream database refused the gateway's connection (SQLSTATE " + error.sqlState() + ")");
    }

    private void onReady() {
        if (stage == Stage.STARTING && role != null) {
            stage = Stage.SETTING_ROLE;
            socket.write(FrontendMessages.query("SET ROLE " + quoteIdentifier(role)));
        } else if (stage == Stage.SETTING_ROLE || stage == Stage.STARTING) {
            stage = Stage.DONE;
            socket.handler(null);
            socket.closeHandler(null);
            socket.exceptionHandler(null);
            result.tryComplete(new UpstreamSession(socket, framer, parameters, processId, secret, role));
        } else {
            throw new UpstreamFailure("upstream sent ReadyForQuery before authentication completed");
        }
    }

    private void fail(UpstreamFailure e) {
        if (result.tryFail(e)) {
            socket.close();
        }
    }

    static String quoteIdentifier(String id) {
        return '"' + id.replace("\"", "\"\"") + '"';
    }
}
