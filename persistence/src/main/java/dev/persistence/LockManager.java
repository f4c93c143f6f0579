package dev.persistence;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

import dev.persistence.spi.PathRules;
import dev.persistence.spi.Reentrancy;

/**
 * Hierarchical read/write locks on absolute paths, granted in strict arrival order.
 *
 * <h2>Conflicts</h2>
 * Two requests conflict when their paths are equal or one is an ancestor of the other, and at
 * least one of them is a {@link LockMode#WRITE}. Siblings and cousins never conflict; reads
 * never conflict with reads. Lock identity is lexical: {@code /a/x/a} and {@code /a} are
 * different nodes, and nothing is resolved on disk.
 *
 * <h2>Order</h2>
 * A request is granted exactly when every earlier-arriving request that conflicts with it has
 * been released (or withdrawn). Arrival is the instant the request is enqueued. So a request
 * never overtakes an earlier conflicting one (a read that arrives after a queued write waits for
 * it) and never waits for a non-conflicting one. A multi-path request ({@link #acquireAll}) has
 * one arrival for all its paths and is granted atomically; it never deadlocks on itself.
 *
 * <h2>Paths</h2>
 * Every path is absolute and in normal form (no {@code .} or {@code ..} segments). Anything else,
 * and a {@code WRITE} on a filesystem root, is refused with {@link IllegalArgumentException}
 * before anything is enqueued.
 *
 * <h2>Waiting</h2>
 * {@link #acquire(Path, LockMode)} waits forever; the timed form throws
 * {@link LockTimeoutException}; both throw {@link InterruptedException} when the waiting thread
 * is interrupted (or is interrupted on entry). {@link #acquireAsync} returns a future;
 * cancelling a waiting future withdraws the request. A withdrawn, timed-out or interrupted
 * request leaves no trace: it blocks nobody from that moment. If a grant races with a
 * cancellation, the lock is released, never leaked.
 *
 * <h2>Re-entrancy</h2>
 * Re-entrancy follows the work, not the thread: it comes from the calling thread's
 * {@link LockContext} — the locks of the synchronous scopes it is running (a blocking or timed
 * {@code acquire} until the lock is closed or {@linkplain PathLock#disown() disowned}) and
 * those handed to it explicitly. A request on a path at or below a lock of the context, in the
 * same or a weaker mode, is granted at once as a nested hold: it does not change the queue and
 * is not counted again in {@link #stats()}. A multi-path request is a nested hold when each of its
 * paths is so covered, by one lock of the context or by several. A blocking request that would wait on a lock of its
 * own context — an upgrade (READ held, WRITE asked on the same path or below), a path above or
 * beside a hold that is queued behind a request waiting for that hold — throws
 * {@link IllegalStateException} at once instead of deadlocking. Locks from {@link #acquireAsync}
 * never enter any thread's context, and callbacks of an asynchronous grant run in an empty
 * context, whichever thread's release triggered them.
 *
 * <h2>Memory effects</h2>
 * Actions in a thread before it releases a lock happen-before actions in any thread after it
 * is granted a conflicting lock that was waiting for that release.
 *
 * <h2>Memory</h2>
 * The manager keeps state only for requests that are held or waiting; an idle manager keeps no
 * path nodes ({@link LockStats#nodes()} is {@code 0}).
 */
public interface LockManager {

    /** Creates the in-process lock manager. */
    static LockManager create() {
        return new LocalLockManager();
    }

    /**
     * Acquires a lock, waiting as long as necessary.
     *
     * @throws InterruptedException if the thread is interrupted before or while waiting; the request is withdrawn
     * @throws IllegalArgumentException if the path is relative or not normal, or a WRITE is asked on a root
     * @throws IllegalStateException if the request would wait on a lock the calling thread holds
     */
    PathLock acquire(Path path, LockMode mode) throws InterruptedException;

    /**
     * Acquires a lock, waiting at most {@code timeout}. A zero or negative timeout grants only
     * a lock that is free now.
     *
     * @throws LockTimeoutException if the time runs out first; the request is withdrawn
     * @throws InterruptedException if the thread is interrupted before or while waiting; the request is withdrawn
     * @throws IllegalArgumentException if the path is relative or not normal, or a WRITE is asked on a root
     * @throws IllegalStateException if the request would wait on a lock the calling thread holds
     */
    PathLock acquire(Path path, LockMode mode, Duration timeout) throws InterruptedException;

    /**
     * Enqueues a request now and returns a future that completes with the lock when it is
     * granted (at once, if it is free). The in-process manager never blocks; a manager shared
     * between processes waits for the request's arrival at its coordinator (one round trip,
     * bounded by its connection timeout) and never for the grant. The request queues whatever the calling
     * thread holds. Cancelling the future (or completing it by any other means) before the grant
     * withdraws the request. Dependent stages that are not {@code *Async} run in the thread
     * whose release granted the lock, in an empty {@link LockContext}.
     *
     * @throws IllegalArgumentException if the path is relative or not normal, or a WRITE is asked on a root
     */
    CompletableFuture<PathLock> acquireAsync(Path path, LockMode mode);

    /**
     * {@link #acquireAsync}, for asynchronous work started inside the calling thread's
     * {@link LockContext}: when a lock of the context covers the request, the future is
     * completed at once with a <em>pinned</em> hold — it changes no queue, and the covering lock
     * stays held, even after it is closed, until the pinned hold is closed too. So asynchronous
     * work started inside a synchronous scope keeps a real lock until it ends, and never waits
     * on the scope that started it. Otherwise exactly {@link #acquireAsync}.
     *
     * <p>
     * The default implementation takes the pinned hold through {@link Reentrancy}, which every
     * manager whose locks are {@link dev.persistence.spi.ManagedLock}s shares; a manager whose
     * locks are not queues such a request behind the covering lock. If the covering lock is lost
     * (its coordinator's session ended), the future fails with {@link LockLostException}.
     *
     * @throws IllegalArgumentException if the path is relative or not normal, or a WRITE is asked on a root
     */
    default CompletableFuture<PathLock> acquireAsyncInContext(Path path, LockMode mode) {
        PathRules.requireLockable(path, mode);
        return pinnedOr(List.of(path), mode, () -> acquireAsync(path, mode));
    }

    /**
     * Acquires the same mode on several paths as one request with one arrival, granted
     * atomically once every path is free. A path below another path of the same request adds
     * nothing. The returned lock's {@link PathLock#path()} is the first path given.
     *
     * @throws InterruptedException if the thread is interrupted before or while waiting; the request is withdrawn
     * @throws IllegalArgumentException if {@code paths} is empty or any path is refused
     * @throws IllegalStateException if the request would wait on a lock the calling thread holds
     */
    PathLock acquireAll(Collection<Path> paths, LockMode mode) throws InterruptedException;

    /**
     * {@link #acquireAll(Collection, LockMode)} waiting at most {@code timeout}.
     *
     * @throws LockTimeoutException if the time runs out first; the request is withdrawn
     */
    PathLock acquireAll(Collection<Path> paths, LockMode mode, Duration timeout) throws InterruptedException;

    /**
     * {@link #acquireAll(Collection, LockMode)} without blocking, as {@link #acquireAsync} is
     * {@link #acquire(Path, LockMode)}: one request with one arrival for all the paths, enqueued
     * now, whose future completes with the lock when every path is granted at once. Cancelling the
     * future before the grant withdraws the whole request. The lock's {@link PathLock#path()} is the
     * first path given.
     *
     * @throws IllegalArgumentException if {@code paths} is empty or any path is refused
     */
    CompletableFuture<PathLock> acquireAllAsync(Collection<Path> paths, LockMode mode);

    /**
     * {@link #acquireAllAsync}, for asynchronous work started inside the calling thread's
     * {@link LockContext}, as {@link #acquireAsyncInContext} is for one path: when every path is
     * covered by a lock of the context — one lock covering them all, or several locks each
     * covering some (the caller holds {@code /a} and {@code /b} from two acquisitions and asks for
     * {@code /a/x} and {@code /b/y}) — the future is completed at once with a pinned hold that
     * pins each covering lock: each stays held, even after it is closed, until the pinned hold is
     * closed too. The hold's {@link PathLock#path()} and {@link PathLock#mode()} are the
     * request's. All or nothing: if a covering lock is closed (by another thread) before it is
     * pinned, none stays pinned and the request is exactly {@link #acquireAllAsync}, as it is
     * when some path is covered by no lock of the context.
     *
     * @throws IllegalArgumentException if {@code paths} is empty or any path is refused
     */
    default CompletableFuture<PathLock> acquireAllAsyncInContext(Collection<Path> paths, LockMode mode) {
        List<Path> requested = List.copyOf(paths);
        if (requested.isEmpty()) {
            throw new IllegalArgumentException("At least one path is required");
        }
        for (Path path : requested) {
            PathRules.requireLockable(path, mode);
        }
        return pinnedOr(requested, mode, () -> acquireAllAsync(requested, mode));
    }

    /** The pinned hold of the context's covering locks, if they cover {@code paths}; else {@code request}'s future. */
    private CompletableFuture<PathLock> pinnedOr(List<Path> paths, LockMode mode,
            Supplier<CompletableFuture<PathLock>> request) {
        PathLock pinned;
        try {
            pinned = Reentrancy.of(this).pinnedHold(paths, mode);
        } catch (LockLostException lost) {
            return CompletableFuture.failedFuture(lost);
        }
        return pinned != null ? CompletableFuture.completedFuture(pinned) : request.get();
    }

    /** A consistent snapshot of the manager's state now. */
    LockStats stats();

    /**
     * The requests held and waiting now, for diagnostics: at most {@code max} of them, the held ones first, then
     * the waiting ones oldest first. A consistent snapshot for the in-process manager; a re-entrant nested hold
     * is not listed again. Costs time proportional to the locks held and waiting: not for hot paths. The default
     * (managers that cannot see every holder, such as one shared through a coordinator) is an empty list.
     *
     * @throws IllegalArgumentException if {@code max} is negative
     */
    default List<LockInfo> locks(int max) {
        if (max < 0) {
            throw new IllegalArgumentException("max must not be negative: " + max);
        }
        return List.of();
    }

    /**
     * Whether the manager can grant locks now. Always {@code true} in process; a manager shared
     * between processes answers {@code false} while it has no session with its coordinator.
     */
    default boolean isAvailable() {
        return true;
    }
}
