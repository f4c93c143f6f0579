package dev.persistence;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.function.Supplier;

import dev.persistence.spi.Reentrancy;
import dev.persistence.spi.ThreadContexts;

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
 * <h2>Liveness</h2>
 * A lock counts in a context — for re-entrancy, {@link #covers}, {@link #isEmpty()} — from its
 * grant until it is {@linkplain PathLock#close() closed}, in every context that has it: the
 * acquiring thread's, a captured one, an activated one. A nested or pinned hold counts until it
 * is closed (and a nested one while the lock it is in counts). A lock lost with its
 * coordinator's session still counts, so that requests inside it fail with
 * {@link LockLostException} instead of queueing.
 *
 * <h2>Threads</h2>
 * A context is the current thread's own: {@link #capture()}, {@link #activate()} and the closing of
 * a {@link Scope} act on the calling thread only. A captured context is immutable and may be
 * activated on any thread, any number of times. Once a thread's last hold has ended and its
 * scopes are closed, the library keeps nothing in its ThreadLocals: a pooled thread of an
 * application server pins no class loader. (A hold ended from another thread is dropped at the
 * owning thread's next use of a lock.)
 */
public final class LockContext {

    private static final LockContext EMPTY = new LockContext(new PathLock[0]);

    /** The locks of a captured or entered context, oldest first. */
    private final PathLock[] locks;

    private LockContext(PathLock[] locks) {
        this.locks = locks;
    }

    /** The context with no locks. */
    public static LockContext empty() {
        return EMPTY;
    }

    /**
     * A snapshot of the current thread's context, to {@link #activate()} elsewhere. The snapshot
     * keeps its locks until they are closed, even if the thread that captured them closes its
     * scope or {@linkplain PathLock#disown() disowns} them meanwhile: the work that captured them
     * still runs under them.
     */
    public static LockContext capture() {
        PathLock[] live = ThreadContexts.currentLocks();
        return live.length == 0 ? EMPTY : new LockContext(live.clone());
    }

    /**
     * The current thread's context plus {@code lock}, until the returned scope is closed: the way
     * to let work that runs outside the call that took {@code lock} use the paths it covers.
     */
    public static Scope enter(PathLock lock) {
        PathLock[] inherited = ThreadContexts.currentLocks();
        PathLock[] locks = Arrays.copyOf(inherited, inherited.length + 1);
        locks[inherited.length] = lock;
        return new LockContext(locks).activate();
    }

    /**
     * Makes this context the current thread's — replacing, not adding to, what it had — until the
     * returned scope is closed, when the previous context is restored. Locks the thread acquires
     * inside the scope join it while they are held.
     */
    public Scope activate() {
        return new Scope(ThreadContexts.activate(locks));
    }

    /** Whether this context has no lock that still counts (every one closed since). */
    public boolean isEmpty() {
        for (PathLock lock : locks) {
            if (ThreadContexts.isLive(lock)) {
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
     * request for it would be a nested hold and never wait. True only while that lock counts
     * (until it is closed); answered from this JVM alone, without {@link PathLock#isHeld()} (a
     * round trip for a lock service such as ZooKeeper), so it is safe on an event loop. A lock
     * lost meanwhile still counts here, and the nested request under it fails with
     * {@link LockLostException}.
     */
    public static boolean covers(Path path, LockMode mode) {
        for (PathLock lock : ThreadContexts.currentLocks()) {
            if (Reentrancy.covers(lock, path, mode)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public String toString() {
        return "LockContext" + Arrays.toString(locks);
    }

    /** Restores the context that was current before it was opened. */
    public static final class Scope implements AutoCloseable {
        private final ThreadContexts.Activation activation;

        private Scope(ThreadContexts.Activation activation) {
            this.activation = activation;
        }

        /**
         * Restores the previous context; must be called on the thread that opened the scope,
         * innermost first. Idempotent. Locks acquired inside the scope and still held stay held,
         * but no longer make this thread re-entrant.
         */
        @Override
        public void close() {
            activation.close();
        }
    }
}
