package dev.persistence.benchmarks;

import java.io.IOException;

/**
 * Two operations run back to back and timed each, for the benchmarks that compare two ways of doing
 * the same work within one invocation, so that both share the disk's milliseconds.
 */
final class TimedPair {

    /** One side of a pair. */
    interface Operation {
        void run() throws IOException;
    }

    private TimedPair() {
    }

    /** Runs {@code a} and {@code b}, {@code a} first if {@code aFirst}; returns their times, {@code a}'s first. */
    static long[] time(boolean aFirst, Operation a, Operation b) throws IOException {
        long start = System.nanoTime();
        (aFirst ? a : b).run();
        long middle = System.nanoTime();
        (aFirst ? b : a).run();
        long end = System.nanoTime();
        return aFirst ? new long[] { middle - start, end - middle } : new long[] { end - middle, middle - start };
    }
}
