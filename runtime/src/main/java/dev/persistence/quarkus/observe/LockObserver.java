package dev.persistence.quarkus.observe;

import dev.persistence.LockMode;

/**
 * Told by {@link ObservedLockManager} about every acquisition and every hold. Implementations must be fast,
 * thread-safe and must not throw: they run on the acquiring and releasing threads, and for an asynchronous grant
 * in the thread whose release granted it.
 */
public interface LockObserver {

    /** How an acquisition ended. */
    enum Outcome {
        /** Granted. */
        GRANTED,
        /** The timeout ran out. */
        TIMEOUT,
        /** The waiting thread was interrupted. */
        INTERRUPTED,
        /** An asynchronous request withdrawn by its caller. */
        CANCELLED,
        /** A shared manager lost its coordinator session. */
        LOST,
        /** Refused before waiting: a bad path, a deadlock on the thread's own lock. */
        REFUSED
    }

    /**
     * A request is made, in the calling thread. What this returns is handed back to {@link #waited} and
     * {@link #held} for the same request (e.g. the caller's trace context); {@code null} when nothing is needed.
     */
    default Object requested(LockMode mode) {
        return null;
    }

    /** The acquisition ended after {@code waitNanos}. */
    void waited(Object request, LockMode mode, Outcome outcome, long waitNanos);

    /** A granted lock was closed after {@code holdNanos}; {@code lost} if it was no longer held by then. */
    void held(Object request, LockMode mode, boolean lost, long holdNanos);
}
