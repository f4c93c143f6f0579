package dev.persistence.testsupport;

import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/** Waits for a condition that another thread makes true; fails the test if it does not within a generous cap. */
public final class Await {

    /*
     * Waiting in tests for what another thread, a callback or another process does: the one polling
     * loop of the test trees (published in persistence's test-jar for the other modules). A cap is a
     * guard against a hang, never a measurement: generous, and a test never asserts how fast.
     */

    /** The cap of {@link #await(BooleanSupplier, String)}. */
    public static final Duration DEFAULT_CAP = Duration.ofSeconds(10);

    private Await() {
    }

    /** Returns once {@code condition} holds; fails, naming {@code what}, if it does not within {@link #DEFAULT_CAP}. */
    public static void await(BooleanSupplier condition, String what) throws InterruptedException {
        await(condition, DEFAULT_CAP, what);
    }

    /** Returns once {@code condition} holds; fails, naming {@code what}, if it does not within {@code cap}. */
    public static void await(BooleanSupplier condition, Duration cap, String what) throws InterruptedException {
        if (!holdsWithin(condition, cap)) {
            fail("timed out after " + cap + " waiting for: " + what);
        }
    }

    /** Whether {@code condition} holds, or comes to hold within {@code cap}. */
    public static boolean holdsWithin(BooleanSupplier condition, Duration cap) throws InterruptedException {
        long deadline = System.nanoTime() + cap.toNanos();
        // Polls at once, then at growing intervals: a condition met within microseconds is seen
        // at once, and a long wait does not keep a core busy (the conditions may ask a server).
        for (int polls = 1; !condition.getAsBoolean(); polls++) {
            if (System.nanoTime() - deadline > 0L) {
                return false;
            }
            TimeUnit.MILLISECONDS.sleep(Math.min(polls, 20));
        }
        return true;
    }
}
