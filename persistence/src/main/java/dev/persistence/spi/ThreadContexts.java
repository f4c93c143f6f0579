package dev.persistence.spi;

import dev.persistence.LockContext;
import dev.persistence.PathLock;

import java.util.Arrays;

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
 * flag), and its frame drops it lazily.
 */

/**
 * The thread-local store behind {@link LockContext}, for {@link LockContext} itself and for lock
 * manager implementations: which locks the current thread works under. Applications use
 * {@link LockContext}; a manager built on {@link ManagedLock} gets re-entrancy from
 * {@link Reentrancy} and never needs this class directly.
 */
public final class ThreadContexts {

    private static final PathLock[] NO_LOCKS = new PathLock[0];
    private static final Hold[] NO_HOLDS = new Hold[0];
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
        Frame previous = CURRENT.get();
        Hold[] holds = new Hold[locks.length];
        Frame frame = new Frame(previous, false);
        for (int i = 0; i < locks.length; i++) {
            holds[i] = new Hold(locks[i], frame);
        }
        frame.holds = holds;
        frame.size = holds.length;
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
        Hold hold = new Hold(lock, frame);
        frame.add(hold);
        return hold;
    }

    /** The current frame, or null; an implicit frame left with no live hold is removed first. */
    private static Frame frame() {
        Frame frame = CURRENT.get();
        if (frame != null && frame.implicit && frame.liveCount() == 0) {
            CURRENT.remove();
            return null;
        }
        return frame;
    }

    /** One lock's membership in one frame. */
    static final class Hold {
        final PathLock lock;
        private final Frame frame;
        private volatile boolean ended;

        Hold(PathLock lock, Frame frame) {
            this.lock = lock;
            this.frame = frame;
        }

        /**
         * Ends the membership (not the lock's membership in contexts captured from the frame);
         * idempotent, callable from any thread. On the frame's own thread, an implicit frame
         * left without a live hold leaves the thread at once.
         */
        void end() {
            ended = true;
            if (frame.thread == Thread.currentThread() && frame.implicit && CURRENT.get() == frame
                    && frame.liveCount() == 0) {
                CURRENT.remove();
            }
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
            if (previous == null || previous.implicit && previous.liveCount() == 0) {
                CURRENT.remove();
            } else {
                CURRENT.set(previous);
            }
        }
    }

    /** A thread's current context: holds appended by acquisitions, those that stopped counting dropped lazily. */
    private static final class Frame {
        final Frame previous;
        /** Created by an acquisition outside any scope: removed as soon as it holds nothing live. */
        final boolean implicit;
        final Thread thread = Thread.currentThread();
        Hold[] holds = NO_HOLDS;
        int size;

        Frame(Frame previous, boolean implicit) {
            this.previous = previous;
            this.implicit = implicit;
        }

        void add(Hold hold) {
            compact();
            if (size == holds.length) {
                holds = Arrays.copyOf(holds, Math.max(4, size * 2));
            }
            holds[size++] = hold;
        }

        int liveCount() {
            compact();
            return size;
        }

        PathLock[] liveLocks() {
            compact();
            if (size == 0) {
                return NO_LOCKS;
            }
            PathLock[] locks = new PathLock[size];
            for (int i = 0; i < size; i++) {
                locks[i] = holds[i].lock;
            }
            return locks;
        }

        private void compact() {
            int kept = 0;
            for (int i = 0; i < size; i++) {
                if (holds[i].counts()) {
                    holds[kept++] = holds[i];
                }
            }
            for (int i = kept; i < size; i++) {
                holds[i] = null;
            }
            size = kept;
        }
    }
}
