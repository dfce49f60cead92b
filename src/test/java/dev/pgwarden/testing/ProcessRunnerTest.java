package dev.pgwarden.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.UncheckedIOException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ProcessRunnerTest {

    @Test
    void capturesExitCodeAndBothStreams() {
        ProcessResult r = ProcessRunner.of("sh", "-c", "echo out; echo err >&2; exit 3").run();
        assertEquals(3, r.exitCode());
        assertEquals("out", r.out());
        assertEquals("err\n", r.stderr());
        assertFalse(r.succeeded());
        assertTrue(assertThrows(IllegalStateException.class, r::requireSuccess).getMessage().contains("exited with 3"));
    }

    @Test
    void passesStdinAndEnvironment() {
        ProcessResult r = ProcessRunner.of("sh", "-c", "cat; printf '%s' \"$GREETING\"")
                .env("GREETING", "héllo")
                .stdin("line1\nline2\n")
                .run()
                .requireSuccess();
        assertEquals("line1\nline2\nhéllo", r.stdout());
    }

    @Test
    void unsetsInheritedVariablesByPrefix() {
        ProcessResult r = ProcessRunner.of("sh", "-c", "env | grep -c '^PATH=' || true")
                .unsetEnvWithPrefix("PATH")
                .run();
        assertEquals("0", r.out());
    }

    @Test
    void largeOutputOnBothStreamsDoesNotDeadlock() {
        // Far more than a pipe buffer (64 KiB) on each stream, written interleaved.
        ProcessResult r = ProcessRunner.of("sh", "-c", "i=0; while [ $i -lt 20 ]; do head -c 100000 /dev/zero | tr '\\0' o; "
                        + "head -c 100000 /dev/zero | tr '\\0' e >&2; i=$((i+1)); done")
                .timeout(Duration.ofSeconds(30))
                .run()
                .requireSuccess();
        assertEquals(2_000_000, r.stdout().length());
        assertEquals(2_000_000, r.stderr().length());
    }

    @Test
    void killsTheProcessTreeOnTimeout() {
        ProcessResult r = ProcessRunner.of("sh", "-c", "sleep 30 & sleep 30; wait")
                .timeout(Duration.ofMillis(300))
                .run();
        assertTrue(r.timedOut());
        assertFalse(r.succeeded());
        assertTrue(r.elapsed().compareTo(Duration.ofSeconds(10)) < 0, r.elapsed().toString());
        assertTrue(r.describe().contains("timed out"));
    }

    @Test
    void reportsCommandsThatCannotStart() {
        assertThrows(UncheckedIOException.class, () -> ProcessRunner.of("/nonexistent/tool").run());
    }
}
