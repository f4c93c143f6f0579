package dev.persistence;

import dev.persistence.spi.PathRules;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;

/**
 * The locks the current thread works under: the source of re-entrancy for every
 * {@link LockManager}.
 *
 * <h2>What it holds</h2>
 * A thread works under a lock while it runs the synchronous scope that acquired it — from a
 * blocking or timed {@code acquire} until {@link PathLock#close()} or {@link PathLock#disown()} —
 * and while it runs inside a scope {@linkplain #activate() activated} from a captured context or
 * {@linkplain #enter(PathLock) entered} for one lock. Nothing else puts a lock in a thread's
 * context: locks from {@link LockManager#acquireAsync}, locks kept by streams and locks of
 * asynchronous {@code @Locked} methods belong to the work, not to the thread that happened to
 * start it, so an unrelated task that later runs on the same pooled thread is never re-entrant
 * in them. Callbacks of an asynchronous grant run in an empty context.
 *
 * <h2>Re-entrancy</h2>
 * A request on a path at or below a lock of the context, in the same or a weaker mode, is granted
 * at once as a nested hold; see {@link LockManager} for the rules. Handing the work to another
 * thread hands its locks with it only through this class: {@link #capture()} on the thread that
 * has them, {@link #activate()} on the thread that continues the work. MicroProfile Context
 * Propagation does exactly that where the Quarkus extension is present (Mutiny pipelines,
 * managed executors); elsewhere, {@link #wrap(Runnable)} does it by hand.
 *
 * <h2>Threads</h2>
 * A context is the current thread's own: {@link #capture()}, {@link #activate()} and the closing of
 * a {@link Scope} act on the calling thread only. A captured context is immutable and may be
 * activated on any thread, any number of times. A lock released meanwhile simply stops counting.
 */
public final class LockContext {

    private static final Hold[] NO_HOLDS = new Hold[0];
    private static final LockContext EMPTY = new LockContext(NO_HOLDS);
    private static final ThreadLocal<Frame> CURRENT = new ThreadLocal<>();

    private final Hold[] holds;

    private LockContext(Hold[] holds) {
        this.holds = holds;
    }

    /** The context with no locks. */
    public static LockContext empty() {
        return EMPTY;
    }

    /**
     * A snapshot of the current thread's context, to {@link #activate()} elsewhere. The snapshot
     * keeps its locks for as long as they are held, even if the thread that captured them closes
     * its scope or {@linkplain PathLock#disown() disowns} them meanwhile: the work that captured
     * them still runs under them.
     */
    public static LockContext capture() {
        Frame frame = CURRENT.get();
        if (frame == null || frame.liveCount() == 0) {
            return EMPTY;
        }
        Hold[] live = frame.liveHolds();
        Hold[] captured = new Hold[live.length];
        for (int i = 0; i < live.length; i++) {
            captured[i] = new Hold(live[i].lock);
        }
        return new LockContext(captured);
    }

    /**
     * The current thread's context plus {@code lock}, until the returned scope is closed: the way
     * to let work that runs outside the call that took {@code lock} use the paths it covers.
     */
    public static Scope enter(PathLock lock) {
        Frame frame = CURRENT.get();
        Hold[] inherited = frame == null ? NO_HOLDS : frame.liveHolds();
        Hold[] holds = Arrays.copyOf(inherited, inherited.length + 1);
        holds[inherited.length] = new Hold(lock);
        return new LockContext(holds).activate();
    }

    /**
     * Makes this context the current thread's — replacing, not adding to, what it had — until the
     * returned scope is closed, when the previous context is restored. Locks the thread acquires
     * inside the scope join it while they are held.
     */
    public Scope activate() {
        Frame previous = CURRENT.get();
        Frame frame = new Frame(holds.length == 0 ? NO_HOLDS : holds.clone(), previous);
        CURRENT.set(frame);
        return new Scope(frame);
    }

    /** Whether this context holds no lock that is still held. */
    public boolean isEmpty() {
        for (Hold hold : holds) {
            if (!hold.ended && hold.lock.isHeld()) {
                return false;
            }
        }
        return true;
    }

    /** {@code task} made to run under this context, on whatever thread runs it. */
    public Runnable wrap(Runnable task) {
        return () -> {
            try (Scope ignored = activate()) {
                task.run();
            }
        };
    }

    /** {@code task} made to run under this context, on whatever thread runs it. */
    public <T> Supplier<T> wrap(Supplier<T> task) {
        return () -> {
            try (Scope ignored = activate()) {
                return task.get();
            }
        };
    }

    /**
     * Whether a lock of the current thread's context covers {@code path} in {@code mode}: a
     * request for it would be a nested hold and never wait. Answered from this JVM alone, without
     * {@link PathLock#isHeld()} (a round trip for a lock service such as ZooKeeper), so it is
     * safe on an event loop: a lock counts until it is closed or disowned; one lost meanwhile
     * still counts here, and the nested request under it fails with {@link LockLostException}.
     */
    public static boolean covers(Path path, LockMode mode) {
        for (PathLock lock : current()) {
            if (lock.mode().covers(mode) && PathRules.isAtOrAbove(lock.path(), path)) {
                return true;
            }
        }
        return false;
    }

    /**
     * For {@link LockManager} implementations: the live locks of the current thread's context,
     * oldest first; an empty list, without allocating, when there are none.
     */
    public static List<PathLock> current() {
        Frame frame = CURRENT.get();
        if (frame == null || frame.liveCount() == 0) {
            return List.of();
        }
        Hold[] holds = frame.liveHolds();
        PathLock[] locks = new PathLock[holds.length];
        for (int i = 0; i < holds.length; i++) {
            locks[i] = holds[i].lock;
        }
        return Arrays.asList(locks);
    }

    /**
     * For {@link LockManager} implementations: the current thread works under {@code lock} from now
     * until the returned hold is {@linkplain Hold#end() ended} (which any thread may do).
     */
    public static Hold own(PathLock lock) {
        Frame frame = CURRENT.get();
        if (frame == null) {
            frame = new Frame(NO_HOLDS, null);
            CURRENT.set(frame);
        }
        Hold hold = new Hold(lock);
        frame.add(hold);
        return hold;
    }

    @Override
    public String toString() {
        return "LockContext" + Arrays.toString(holds);
    }

    /**
     * One lock's membership in a thread's context. Managers ignore members whose lock is no
     * longer held, so an ended hold and a released lock both stop counting.
     */
    public static final class Hold {
        private final PathLock lock;
        private volatile boolean ended;

        private Hold(PathLock lock) {
            this.lock = lock;
        }

        /**
         * Ends the membership in the owning thread's context (not in contexts captured from it
         * earlier); idempotent, callable from any thread.
         */
        public void end() {
            ended = true;
        }

        @Override
        public String toString() {
            return (ended ? "ended " : "") + lock;
        }
    }

    /** Restores the context that was current before it was opened. */
    public static final class Scope implements AutoCloseable {
        private final Frame frame;
        private boolean closed;

        private Scope(Frame frame) {
            this.frame = frame;
        }

        /**
         * Restores the previous context; must be called on the thread that opened the scope.
         * Idempotent. Locks acquired inside the scope and still held stay held, but no longer
         * make this thread re-entrant.
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
            if (frame.previous == null) {
                CURRENT.remove();
            } else {
                CURRENT.set(frame.previous);
            }
        }
    }

    /** A thread's current context: holds appended by acquisitions, ended ones dropped lazily. */
    private static final class Frame {
        final Frame previous;
        Hold[] holds;
        int size;

        Frame(Hold[] holds, Frame previous) {
            this.holds = holds;
            this.size = holds.length;
            this.previous = previous;
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

        Hold[] liveHolds() {
            compact();
            return size == 0 ? NO_HOLDS : Arrays.copyOf(holds, size);
        }

        private void compact() {
            int kept = 0;
            for (int i = 0; i < size; i++) {
                if (!holds[i].ended) {
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
