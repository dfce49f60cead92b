package dev.pgwarden.wire;

import io.vertx.core.buffer.Buffer;

/** A NotificationResponse ('A'): the notifying backend's process id, the channel and the payload. */
public record Notification(int processId, String channel, String payload) {

    /** Parses the frame {@code start..end} (header included). */
    public static Notification parse(Buffer buf, int start, int end) {
        int channelEnd = Frames.stringEnd(buf, start + 9, end);
        int payloadEnd = Frames.stringEnd(buf, channelEnd + 1, end);
        return new Notification(buf.getInt(start + 5), Frames.string(buf, start + 9, channelEnd),
                Frames.string(buf, channelEnd + 1, payloadEnd));
    }

    public Buffer toMessage() {
        return MessageWriter.typed(MessageTypes.NOTIFICATION_RESPONSE).int32(processId).cstring(channel)
                .cstring(payload).finish();
    }
}
