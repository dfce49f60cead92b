package dev.pgwarden.proxy;

import java.time.Duration;
import java.time.Instant;

import io.vertx.core.Vertx;

/**
 * One session's token expiry on its event loop: at {@code expiresAt} the deadline is due and
 * {@code onDue} runs; {@code grace} later {@code onGraceOver} runs, unless cancelled first.
 */
final class TokenDeadline {
    private final Vertx vertx;
    private long timer = -1;
    private boolean due;

    TokenDeadline(Vertx vertx, Instant expiresAt, Duration grace, Runnable onDue, Runnable onGraceOver) {
        this.vertx = vertx;
        long delay = Math.max(1, Duration.between(Instant.now(), expiresAt).toMillis());
        timer = vertx.setTimer(delay, t -> {
            due = true;
            timer = vertx.setTimer(Math.max(1, grace.toMillis()), g -> {
                timer = -1;
                onGraceOver.run();
            });
            onDue.run();
        });
    }

    /** The token has expired. */
    boolean due() {
        return due;
    }

    void cancel() {
        if (timer != -1) {
            vertx.cancelTimer(timer);
            timer = -1;
        }
    }
}
