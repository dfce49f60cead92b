package dev.pgwarden.approvals;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Card posts and updates that fail are tried again with a growing pause, within bounds. */
class CardRetryTest {
    final ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1);

    @AfterEach
    void stop() {
        executor.shutdownNow();
    }

    @Test
    void theWaitStartsAtOneSecondAndDoublesUpToTheMaximum() {
        CardRetry retry = new CardRetry(executor, Duration.ofMinutes(10), Duration.ofSeconds(30));
        assertEquals(Duration.ofSeconds(1), retry.backoff(1));
        assertEquals(Duration.ofSeconds(2), retry.backoff(2));
        assertEquals(Duration.ofSeconds(16), retry.backoff(5));
        assertEquals(Duration.ofSeconds(30), retry.backoff(6));
        assertEquals(Duration.ofSeconds(30), retry.backoff(1000));
        assertEquals(Duration.ofMillis(50), new CardRetry(executor, Duration.ofMinutes(1), Duration.ofMillis(50))
                .backoff(1));
    }

    @Test
    void aChannelThatComesBackGetsTheCard() throws Exception {
        CardRetry retry = new CardRetry(executor, Duration.ofMinutes(1), Duration.ofMillis(20));
        AtomicInteger attempts = new AtomicInteger();
        CountDownLatch posted = new CountDownLatch(1);
        retry.run("test post", () -> {
            if (attempts.incrementAndGet() <= 3) {
                throw new IOException("Slack chat.postMessage failed: http_500");
            }
            posted.countDown();
        }, () -> true);
        assertTrue(posted.await(10, TimeUnit.SECONDS));
        Thread.sleep(200);
        assertEquals(4, attempts.get(), "three failures, then one post, then nothing more");
    }

    @Test
    void aChannelThatStaysDownIsGivenUpOn() throws Exception {
        CardRetry retry = new CardRetry(executor, Duration.ofMillis(300), Duration.ofMillis(40));
        AtomicInteger attempts = new AtomicInteger();
        retry.run("test post", () -> {
            attempts.incrementAndGet();
            throw new IOException("timeout");
        }, () -> true);
        Thread.sleep(1_000);
        int afterGivingUp = attempts.get();
        assertTrue(afterGivingUp >= 2 && afterGivingUp <= 9, "retried within 300 ms: " + afterGivingUp);
        Thread.sleep(300);
        assertEquals(afterGivingUp, attempts.get(), "no attempt after the window");
    }

    @Test
    void aCardNoLongerWantedIsNotRetried() throws Exception {
        CardRetry retry = new CardRetry(executor, Duration.ofMinutes(1), Duration.ofMillis(20));
        AtomicInteger attempts = new AtomicInteger();
        CountDownLatch asked = new CountDownLatch(1);
        retry.run("test post", () -> {
            attempts.incrementAndGet();
            throw new IOException("http_500");
        }, () -> {
            asked.countDown();
            return false; // decided in the console meanwhile
        });
        assertTrue(asked.await(10, TimeUnit.SECONDS));
        Thread.sleep(200);
        assertEquals(1, attempts.get());
    }
}
