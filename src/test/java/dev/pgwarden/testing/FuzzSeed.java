package dev.pgwarden.testing;

import java.util.Random;

/**
 * The seed of a fuzz test: {@code -Dfuzz.seed=N} replays a run, {@code -Dfuzz.seed=random} explores
 * a new one, and without the property the test's own seed is used, so the suite (and CI) runs the
 * same frames every time and a red build always means a change broke something.
 */
public final class FuzzSeed {
    private FuzzSeed() {
    }

    public static long of(long suiteSeed) {
        String given = System.getProperty("fuzz.seed");
        if (given == null || given.isBlank()) {
            return suiteSeed;
        }
        if (given.equals("random")) {
            return new Random().nextLong();
        }
        return Long.parseLong(given.trim());
    }
}
