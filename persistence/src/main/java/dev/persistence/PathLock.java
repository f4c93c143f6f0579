package dev.persistence;

import java.nio.file.Path;
import java.util.List;

/**
 * A granted lock on one path (or, from {@link LockManager#acquireAll}, on several paths as one
 * request). The lock is held from the moment it is returned until {@link #close()}.
 *
 * <p>
 * Use it in try-with-resources:
 *
 * <pre>{@code
 * try (PathLock lock = manager.acquire(Path.of("/data/orders/42"), LockMode.WRITE)) {
 *     // exclusive over /data/orders/42, its ancestors' subtrees and its descendants
 * }
 * }</pre>
 *
 * <p>
 * A lock obtained from a blocking or timed {@code acquire} is in the acquiring thread's
 * {@link LockContext} (the source of re-entrancy) until it is closed or disowned; it may
 * nevertheless be closed from any thread.
 */
public interface PathLock extends AutoCloseable {

    /** The locked path; for a multi-path lock, the first path of the request. */
    Path path();

    /**
     * Every locked path: the one {@link #path()} of a single-path lock, or the paths of a request
     * made with {@link LockManager#acquireAll} (or its asynchronous forms), as they were given.
     */
    default List<Path> paths() {
        return List.of(path());
    }

    /** The mode this lock was granted in. */
    LockMode mode();

    /**
     * Whether this lock is still held: {@code true} from the grant until {@link #close()}, and
     * for a lock manager shared between processes, until the lock is lost (its session ended).
     * Work that must not complete without the lock (the client's commit rename) checks it last.
     */
    boolean isHeld();

    /**
     * A number that grows with every grant of a conflicting lock: if this lock and another lock
     * from the same manager (for a shared manager: from any JVM using the same coordinator)
     * conflict, the one granted later has the larger token. Stamp it on what the lock protects,
     * and refuse a write whose token is smaller than the last one stamped, to keep a writer that
     * lost its lock without noticing (a long pause) from overwriting a newer holder's work.
     * Non-conflicting locks may share a token or have any order. A nested hold has the token of
     * the lock it is nested in; one nested in several locks (none covering all its paths) has the
     * smallest of theirs, which no later conflicting lock's token undercuts but an earlier one's
     * may exceed: to fence each path exactly, stamp it with its covering lock's token.
     */
    long fencingToken();

    /**
     * Removes this lock from the acquiring thread's {@link LockContext} without releasing it:
     * from now on that thread's requests are not nested holds inside it but queue like anyone
     * else's. For a lock kept beyond the call that took it — a stream, an asynchronous result —
     * so that the thread, free to do other work, cannot slip into it. Callable from any thread;
     * does nothing for locks in no thread's context (from {@link LockManager#acquireAsync}) or
     * after {@link #close()}.
     */
    default void disown() {
    }

    /**
     * Releases this lock. Idempotent: the first call releases, later calls do nothing; a call
     * never affects any other lock, including a newer lock on the same path. Never throws.
     * Actions of the releasing thread before {@code close()} happen-before the actions of any
     * request granted because of this release.
     */
    @Override
    void close();
}
