package dev.persistence.benchmarks;

/**
 * Two operations run back to back and timed each, for the benchmarks that compare two ways of doing
 * the same work within one invocation, so that both share the disk's milliseconds.
 */
final class TimedPair {

    /** One side of a pair, which may throw {@code E}. */
    interface Operation<E extends Exception> {
        void run() throws E;
    }

    private TimedPair() {
    }

    /** Runs {@code a} and {@code b}, {@code a} first if {@code aFirst}; returns their times, {@code a}'s first. */
    static <E extends Exception> long[] time(boolean aFirst, Operation<E> a, Operation<E> b) throws E {
        long start = System.nanoTime();
        (aFirst ? a : b).run();
        long middle = System.nanoTime();
        (aFirst ? b : a).run();
        long end = System.nanoTime();
        return aFirst ? new long[] { middle - start, end - middle } : new long[] { end - middle, middle - start };
    }
}
