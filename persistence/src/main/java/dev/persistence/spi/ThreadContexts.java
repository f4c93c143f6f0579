package dev.persistence.spi;

import dev.persistence.LockContext;
import dev.persistence.PathLock;

/*
 * The library's one ThreadLocal: each thread's stack of context frames. It owns two invariants:
 *   - A lock counts in a context only while it is live (ThreadContexts.isLive): a closed lock
 *     stops counting at once in every frame, captured or activated, with no round trip.
 *   - A thread keeps no value in the ThreadLocal unless it has a frame with a live hold or an
 *     open scope: the implicit frame that own() creates is removed on the owning thread as soon
 *     as its last hold ends there (close or disown), and otherwise at the thread's next use of
 *     any lock; a scope's frame is removed when the scope closes. An application server's
 *     pooled threads so keep nothing that pins the application's class loader.
 * Frames are touched only by their thread; a hold may be ended from any thread (a volatile
 * flag), and its frame drops it lazily. A frame links its holds newest first, so that the
 * common case — one lock acquired and released outside any scope — costs one frame and one hold
 * (see the allocation budget in benchmarks.adoc).
 */

/**
 * The thread-local store behind {@link LockContext}, for {@link LockContext} itself and for lock
 * manager implementations: which locks the current thread works under. Applications use
 * {@link LockContext}; a manager built on {@link ManagedLock} gets re-entrancy from
 * {@link Reentrancy} and never needs this class directly.
 */
public final class ThreadContexts {

    private static final PathLock[] NO_LOCKS = new PathLock[0];
    private static final ThreadLocal<Frame> CURRENT = new ThreadLocal<>();

    private ThreadContexts() {
    }

    /**
     * The live locks of the current thread's context, oldest first; a shared empty array when
     * there are none. The caller must not modify the array.
     */
    public static PathLock[] currentLocks() {
        Frame frame = frame();
        return frame == null ? NO_LOCKS : frame.liveLocks();
    }

    /**
     * Makes {@code locks} the current thread's context — replacing, not adding to, what it had —
     * until the returned activation is closed on this thread.
     */
    public static Activation activate(PathLock[] locks) {
        Frame frame = new Frame(CURRENT.get(), false);
        for (PathLock lock : locks) {
            frame.add(new Hold(lock));
        }
        CURRENT.set(frame);
        return new Activation(frame);
    }

    /**
     * Whether {@code lock} counts in a context now: a lock of a {@link ManagedLock} manager until
     * it is closed (a lost lock still counts, so that requests inside it fail as lost), a nested
     * hold while it and what it is nested in do, a pinned hold until it is closed. Answered
     * without a round trip to any coordinator; a lock of any other kind answers
     * {@link PathLock#isHeld()}.
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
            } else if (lock instanceof DecoratedPathLock decorated) {
                lock = decorated.decorated();
            } else {
                return lock.isHeld();
            }
        }
    }

    /** The current thread works under {@code lock} until the returned hold ends. */
    static Hold own(PathLock lock) {
        Frame frame = CURRENT.get();
        if (frame == null) {
            frame = new Frame(null, true);
            CURRENT.set(frame);
        }
        Hold hold = new Hold(lock);
        frame.add(hold);
        return hold;
    }

    /** The current frame, or null; an implicit frame left with no live hold is removed first. */
    private static Frame frame() {
        Frame frame = CURRENT.get();
        if (frame != null && frame.implicit && frame.isEmpty()) {
            CURRENT.remove();
            return null;
        }
        return frame;
    }

    /** One lock's membership in one frame. */
    static final class Hold {
        final PathLock lock;
        /** The next older hold of the same frame. */
        Hold older;
        private volatile boolean ended;

        Hold(PathLock lock) {
            this.lock = lock;
        }

        /**
         * Ends the membership (not the lock's membership in contexts captured from the frame);
         * idempotent, callable from any thread. If the calling thread's own implicit frame is
         * left without a live hold (the hold was its last), that frame leaves the thread at once.
         */
        void end() {
            ended = true;
            frame();
        }

        boolean counts() {
            return !ended && isLive(lock);
        }

        @Override
        public String toString() {
            return (ended ? "ended " : "") + lock;
        }
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
         * innermost first. Idempotent. A previous implicit frame with no live hold left is not
         * restored but removed.
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
            Frame previous = frame.previous;
            if (previous == null || previous.implicit && previous.isEmpty()) {
                CURRENT.remove();
            } else {
                CURRENT.set(previous);
            }
        }
    }

    /** A thread's current context: holds linked newest first, those that stopped counting unlinked lazily. */
    private static final class Frame {
        final Frame previous;
        /** Created by an acquisition outside any scope: removed as soon as it holds nothing live. */
        final boolean implicit;
        Hold newest;

        Frame(Frame previous, boolean implicit) {
            this.previous = previous;
            this.implicit = implicit;
        }

        void add(Hold hold) {
            hold.older = newest;
            newest = hold;
        }

        boolean isEmpty() {
            return compact() == 0;
        }

        PathLock[] liveLocks() {
            int count = compact();
            if (count == 0) {
                return NO_LOCKS;
            }
            PathLock[] locks = new PathLock[count];
            for (Hold hold = newest; hold != null; hold = hold.older) {
                locks[--count] = hold.lock;
            }
            return locks;
        }

        /** Unlinks the holds that no longer count; returns how many are left. */
        private int compact() {
            int count = 0;
            Hold newer = null;
            for (Hold hold = newest; hold != null; hold = hold.older) {
                if (hold.counts()) {
                    count++;
                    newer = hold;
                } else if (newer == null) {
                    newest = hold.older;
                } else {
                    newer.older = hold.older;
                }
            }
            return count;
        }
    }
}
