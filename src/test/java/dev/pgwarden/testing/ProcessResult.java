package dev.pgwarden.testing;

import java.time.Duration;
import java.util.List;

/**
 * Outcome of one external command. Deliberately carries no environment: that is where
 * passwords travel, so nothing that renders a result can leak them.
 */
public record ProcessResult(
        List<String> command, int exitCode, String stdout, String stderr, boolean timedOut, Duration elapsed) {

    private static final int TAIL_LINES = 40;

    public ProcessResult {
        command = List.copyOf(command);
    }

    public boolean succeeded() {
        return !timedOut && exitCode == 0;
    }

    /** stdout without the trailing newline(s) psql and friends always print. */
    public String out() {
        return stdout.stripTrailing();
    }

    /** Returns this result, or throws with the command and both output tails if it failed. */
    public ProcessResult requireSuccess() {
        if (!succeeded()) {
            throw new IllegalStateException(describe());
        }
        return this;
    }

    public String describe() {
        String status = timedOut ? "timed out (killed)" : "exited with " + exitCode;
        return String.join(" ", command) + "\n  " + status + " after " + elapsed.toMillis() + " ms"
                + section("stdout", stdout) + section("stderr", stderr);
    }

    private static String section(String name, String text) {
        if (text.isBlank()) {
            return "";
        }
        return "\n  --- " + name + " (tail) ---\n" + tail(text, TAIL_LINES);
    }

    static String tail(String text, int lines) {
        String[] all = text.stripTrailing().split("\n", -1);
        int from = Math.max(0, all.length - lines);
        return String.join("\n", List.of(all).subList(from, all.length));
    }
}
