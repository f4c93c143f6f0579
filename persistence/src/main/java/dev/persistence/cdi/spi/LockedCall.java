package dev.persistence.cdi.spi;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import dev.persistence.LockMode;
import dev.persistence.PathLock;

/**
 * One call of a {@link dev.persistence.Locked @Locked} method whose result is handled by a
 * {@link LockedReturnType}: its resolved path and mode, a non-blocking acquisition and the
 * method itself. Every method may be used any number of times (once per subscription).
 */
public interface LockedCall {

    /** The path this call locks (placeholders already resolved and checked); the first of {@link #paths()}. */
    Path path();

    /**
     * Every path this call locks, granted together by {@link #acquire()}: placeholders resolved
     * and checked, each path once, none at or below another.
     */
    default List<Path> paths() {
        return List.of(path());
    }

    /** The mode this call locks in. */
    LockMode mode();

    /**
     * Requests the lock of every path, as one request, without blocking; the future completes
     * with the lock, or exceptionally with {@link dev.persistence.LockTimeoutException} once the
     * method's timeout has passed (the request is then withdrawn). Cancelling the future
     * withdraws the request, or releases the lock if it was granted meanwhile. Inside a covering lock of the calling thread's
     * {@link dev.persistence.LockContext} the grant is immediate and pinned.
     */
    CompletableFuture<PathLock> acquire();

    /**
     * Invokes the method with {@code lock} in the calling thread's
     * {@link dev.persistence.LockContext}, so the synchronous part of the method may use the paths
     * the lock covers; the lock is not released here.
     */
    Object proceed(PathLock lock) throws Exception;
}
