package dev.persistence.spi;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

import dev.persistence.PathLock;

/**
 * A lock requested for one piece of asynchronous work, from the request to the start of the
 * work: decides whether the grant or a cancellation came first. For plug-ins that hold a
 * {@code @Locked} method's lock across an asynchronous type.
 */
public final class AsyncGrant {

    /*
     * The one decision between a lock's grant and the cancellation of the work that asked for it,
     * for every asynchronous shape (a @Locked CompletionStage, a Uni subscription). One CAS decides:
     * WAITING -> RUNNING (claim: the grant came first; the work runs, once, and its end releases)
     * WAITING -> CANCELLED (cancel: the cancellation came first; the request is withdrawn, and a
     * grant already in flight is released by claim(), which then fails)
     * So whichever comes first, the lock is released exactly once, by exactly one party, and the
     * work runs at most once. The caller must hand every successful grant to claim(), on whatever
     * thread it arrives, and must never run the work when claim() answers false.
     */

    private static final int WAITING = 0, RUNNING = 1, CANCELLED = 2;

    private final CompletableFuture<PathLock> request;
    private final AtomicInteger state = new AtomicInteger(WAITING);

    /**
     * For {@code request}, a future whose cancellation withdraws the request or, if it was
     * granted meanwhile, releases the lock.
     */
    public AsyncGrant(CompletableFuture<PathLock> request) {
        this.request = request;
    }

    /**
     * The request was granted {@code lock}: returns {@code true} if the work may now run under
     * it (the caller then owns the lock and closes it when the work ends), {@code false} if the
     * work was cancelled first — the lock is then closed here and the work must not run.
     */
    public boolean claim(PathLock lock) {
        if (state.compareAndSet(WAITING, RUNNING)) {
            return true;
        }
        lock.close();
        return false;
    }

    /**
     * The work was cancelled (or its result completed by other means): returns {@code true} if
     * that came before the grant — the request is then withdrawn, and a grant already under way
     * is released by {@link #claim} — and {@code false} if the work had already been claimed,
     * whose own end then releases the lock.
     */
    public boolean cancel() {
        if (state.compareAndSet(WAITING, CANCELLED)) {
            request.cancel(false);
            return true;
        }
        return false;
    }
}
