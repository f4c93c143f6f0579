package dev.persistence.spi;

import dev.persistence.LockContext;
import dev.persistence.PathLock;

/**
 * The thread-local store behind {@link LockContext}, for {@link LockContext} itself and for lock
 * manager implementations: which locks the current thread works under. Applications use
 * {@link LockContext}; a manager built on {@link ManagedLock} gets re-entrancy from
 * {@link Reentrancy} and never needs this class directly.
 */
public final class ThreadContexts {

    /*
     * The library's one ThreadLocal: each thread's stack of contexts. It owns two invariants:
     * - A lock counts in a context only while it is live (ThreadContexts.isLive): a closed lock
     * stops counting at once in every context, captured or activated, with no round trip.
     * - A thread keeps no library value in the ThreadLocal unless it owns a live lock or has an
     * open scope: its implicit context (the locks it owns outside any scope) leaves as soon as
     * its last lock ends there (close or disown), and otherwise at the thread's next use of any
     * lock; a scope's frame leaves when the scope closes. An application server's pooled threads
     * so keep nothing that pins the application's class loader.
     * Contexts are touched only by their thread; a lock may be closed or disowned from any thread
     * (bits of ManagedLock's ownership word), and its context drops it lazily.
     *
     * Representation, chosen so that the common case — one lock acquired and released outside any
     * scope — allocates nothing here (see the allocation budget in benchmarks.adoc):
     * - The locks a thread owns (ManagedLock.own) are linked newest first through the locks
     * themselves (ManagedLock.olderOwned): a lock is owned once, by one thread, in one context.
     * - Outside any scope, the ThreadLocal's value is that chain's newest lock (or null): the
     * implicit context needs no object of its own.
     * - Inside a scope, it is the scope's Frame: the activated locks as the LockContext gave them,
     * the chain of locks owned inside the scope, and what to restore when the scope closes.
     * - An emptied context sets the value to null instead of removing the entry: the entry's key is
     * a plain java.lang.ThreadLocal and its value null, so it pins nothing, and the next lock of
     * the thread does not allocate a new entry.
     */

    private static final PathLock[] NO_LOCKS = new PathLock[0];
    /** Null, the newest lock of the implicit context, or the Frame of the innermost open scope. */
    private static final ThreadLocal<Object> CURRENT = new ThreadLocal<>();

    private ThreadContexts() {
    }

    /**
     * The live locks of the current thread's context, oldest first; a shared empty array when
     * there are none. The caller must not modify the array.
     */
    public static PathLock[] currentLocks() {
        Object current = CURRENT.get();
        if (current == null) {
            return NO_LOCKS;
        }
        if (current instanceof Frame frame) {
            frame.newestOwned = liveOwned(frame.newestOwned);
            return liveLocks(frame.activated, frame.newestOwned);
        }
        ManagedLock newest = implicitContext((ManagedLock) current);
        return newest == null ? NO_LOCKS : liveLocks(NO_LOCKS, newest);
    }

    /**
     * Makes {@code locks} the current thread's context — replacing, not adding to, what it had —
     * until the returned activation is closed on this thread. The array is kept, not copied: the
     * caller must not modify it.
     */
    public static Activation activate(PathLock[] locks) {
        Frame frame = new Frame(CURRENT.get(), locks);
        CURRENT.set(frame);
        return new Activation(frame);
    }

    /**
     * Whether {@code lock} counts in a context now: a lock of a {@link ManagedLock} manager until
     * it is closed (a lost lock still counts, so that requests inside it fail as lost), a nested
     * hold while it and what it is nested in do, a pinned hold until it is closed, a hold spanning
     * several locks while it is open and each of its parts counts. Answered without a round trip
     * to any coordinator; a lock of any other kind answers {@link PathLock#isHeld()}.
     */
    public static boolean isLive(PathLock lock) {
        while (true) {
            if (lock instanceof ManagedLock managed) {
                return managed.isOpen();
            } else if (lock instanceof NestedLock nested) {
                if (!nested.isOpen()) {
                    return false;
                }
                if (nested.isPinned()) {
                    return true;
                }
                lock = nested.enclosing();
            } else if (lock instanceof SpanningHold spanning) {
                if (!spanning.isOpen()) {
                    return false;
                }
                for (NestedLock part : spanning.parts()) {
                    if (!isLive(part)) {
                        return false;
                    }
                }
                return true;
            } else if (lock instanceof DecoratedPathLock decorated) {
                lock = decorated.decorated();
            } else {
                return lock.isHeld();
            }
        }
    }

    /** The current thread works under {@code lock} until it is closed or disowned. Once per lock. */
    static void own(ManagedLock lock) {
        Object current = CURRENT.get();
        if (current instanceof Frame frame) {
            lock.olderOwned = frame.newestOwned;
            frame.newestOwned = lock;
        } else {
            lock.olderOwned = (ManagedLock) current;
            CURRENT.set(lock);
        }
    }

    /**
     * A lock stopped counting in its owner's context (closed or disowned, on any thread): if the
     * calling thread's implicit context is left without a live lock, it leaves the thread now.
     */
    static void ended() {
        Object current = CURRENT.get();
        if (current instanceof ManagedLock newest) {
            implicitContext(newest);
        }
    }

    /** The implicit context whose newest lock is {@code newest}, its ended locks unlinked; null (and left) if none is live. */
    private static ManagedLock implicitContext(ManagedLock newest) {
        ManagedLock live = liveOwned(newest);
        if (live != newest) {
            CURRENT.set(live);
        }
        return live;
    }

    /** Unlinks the owned locks that no longer count from the chain; returns its newest live lock, or null. */
    private static ManagedLock liveOwned(ManagedLock newest) {
        while (newest != null && !newest.isOwned()) {
            newest = unlink(newest);
        }
        for (ManagedLock newer = newest; newer != null;) {
            ManagedLock older = newer.olderOwned;
            if (older != null && !older.isOwned()) {
                newer.olderOwned = unlink(older);
            } else {
                newer = older;
            }
        }
        return newest;
    }

    /** Takes {@code lock} off its chain (so that a closed lock keeps no older one reachable); returns the next older. */
    private static ManagedLock unlink(ManagedLock lock) {
        ManagedLock older = lock.olderOwned;
        lock.olderOwned = null;
        return older;
    }

    /** The live locks of {@code activated}, then those of the owned chain, oldest first. */
    private static PathLock[] liveLocks(PathLock[] activated, ManagedLock newestOwned) {
        int live = 0;
        for (PathLock lock : activated) {
            if (isLive(lock)) {
                live++;
            }
        }
        int owned = 0;
        for (ManagedLock lock = newestOwned; lock != null; lock = lock.olderOwned) {
            owned++;
        }
        if (live + owned == 0) {
            return NO_LOCKS;
        }
        PathLock[] locks = new PathLock[live + owned];
        int at = 0;
        for (PathLock lock : activated) {
            if (isLive(lock)) {
                locks[at++] = lock;
            }
        }
        for (ManagedLock lock = newestOwned; lock != null; lock = lock.olderOwned) {
            locks[at + --owned] = lock;
        }
        return locks;
    }

    /** The frame of an activated context; closing it restores the previous one. */
    public static final class Activation implements AutoCloseable {
        private final Frame frame;
        private boolean closed;

        private Activation(Frame frame) {
            this.frame = frame;
        }

        /**
         * Restores the previous context; must be called on the thread that activated this one,
         * innermost first. Idempotent. A previous implicit context with no live lock left is not
         * restored but left.
         */
        @Override
        public void close() {
            if (closed) {
                return;
            }
            if (CURRENT.get() != frame) {
                throw new IllegalStateException("LockContext scopes must be closed on their thread, innermost first");
            }
            closed = true;
            Object previous = frame.previous;
            CURRENT.set(previous instanceof ManagedLock newest ? liveOwned(newest) : previous);
        }
    }

    /** An open scope's context: the locks it activated and those owned inside it. */
    private static final class Frame {
        /** What was current when the scope opened: null, an implicit context's newest lock, or a Frame. */
        final Object previous;
        final PathLock[] activated;
        /** The newest lock owned inside the scope; older ones through ManagedLock.olderOwned. */
        ManagedLock newestOwned;

        Frame(Object previous, PathLock[] activated) {
            this.previous = previous;
            this.activated = activated;
        }
    }
}
