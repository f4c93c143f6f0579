package dev.persistence.spi;

import java.nio.file.Path;
import java.util.List;

import dev.persistence.LockContext;
import dev.persistence.LockManager;
import dev.persistence.LockMode;
import dev.persistence.PathLock;

/**
 * The calling thread's {@link LockContext} as one manager sees it: that manager's live locks in
 * the context, taken when {@link #of} is called. For {@link LockManager} implementations whose
 * locks are {@link ManagedLock}s.
 */
public final class Reentrancy {

    /*
     * The one place where a new request meets the locks its work already has, for every manager:
     * which context lock covers it (a nested or pinned hold), which related one makes waiting a
     * deadlock on oneself (the refusal, worded once), and which granted requests are the context's
     * (for a manager's check that a waiting request would wait, through others, on one of them).
     * A manager asks before it enqueues; it never reads the ThreadLocal itself.
     */

    private static final Reentrancy NONE = new Reentrancy(new PathLock[0], new ManagedLock[0], 0);

    /** The context's locks of this manager, oldest first, as they are in the context. */
    private final PathLock[] locks;
    /** For each of them, the lock of the manager it is or is nested in. */
    private final ManagedLock[] roots;
    private final int size;

    private Reentrancy(PathLock[] locks, ManagedLock[] roots, int size) {
        this.locks = locks;
        this.roots = roots;
        this.size = size;
    }

    /** {@code manager}'s locks in the calling thread's context; allocates nothing when the context is empty. */
    public static Reentrancy of(LockManager manager) {
        PathLock[] context = ThreadContexts.currentLocks();
        if (context.length == 0) {
            return NONE;
        }
        PathLock[] locks = new PathLock[context.length];
        ManagedLock[] roots = new ManagedLock[context.length];
        int size = 0;
        for (PathLock lock : context) {
            ManagedLock root = rootOf(lock);
            if (root != null && root.manager() == manager) {
                locks[size] = lock;
                roots[size++] = root;
            }
        }
        return size == 0 ? NONE : new Reentrancy(locks, roots, size);
    }

    /** Whether the context has none of the manager's locks: every request simply queues. */
    public boolean isEmpty() {
        return size == 0;
    }

    /**
     * For a blocking request: a nested hold, granted at once, if a lock of the context covers
     * every path in {@code mode} (it changes no queue and releases nothing when closed);
     * {@code null} if no lock of the context is related to the request.
     *
     * @throws IllegalStateException if a related lock does not cover it: waiting would be a deadlock on oneself
     * @throws dev.persistence.LockLostException if the related lock is lost ({@link ManagedLock#requireUsable})
     */
    public PathLock nestedHold(List<Path> paths, LockMode mode) {
        int covering = covering(paths, mode);
        if (covering >= 0) {
            roots[covering].requireUsable(describe(paths, mode));
            return new NestedLock(locks[covering], null, paths.get(0), mode);
        }
        for (int i = 0; i < size; i++) {
            for (Path held : pathsOf(i)) {
                for (Path wanted : paths) {
                    if (PathRules.related(held, wanted)) {
                        roots[i].requireUsable(describe(paths, mode));
                        throw new IllegalStateException("Deadlock refused: " + describe(paths, mode)
                                + " would wait on this thread's own " + locks[i].mode() + " lock on " + held);
                    }
                }
            }
        }
        return null;
    }

    /**
     * For an asynchronous request ({@link LockManager#acquireAsyncInContext}): a <em>pinned</em>
     * hold if a lock of the context covers it — granted at once, changing no queue, and keeping
     * the covering lock held, even past its close(), until the pinned hold is closed too;
     * {@code null} if none covers it (the request then queues like any other).
     *
     * @throws dev.persistence.LockLostException if the covering lock is lost
     */
    public PathLock pinnedHold(List<Path> paths, LockMode mode) {
        int covering = covering(paths, mode);
        if (covering < 0) {
            return null;
        }
        ManagedLock root = roots[covering];
        root.requireUsable(describe(paths, mode));
        return root.pin() ? new NestedLock(locks[covering], root, paths.get(0), mode) : null;
    }

    /** Whether {@code lock} is one of the context's locks (or one they are nested in). */
    public boolean holds(PathLock lock) {
        for (int i = 0; i < size; i++) {
            if (roots[i] == lock) {
                return true;
            }
        }
        return false;
    }

    /**
     * The refusal of a request, described by {@code request}, that would wait — directly or
     * through other waiting requests — on a lock of this context: a deadlock on oneself.
     */
    public static IllegalStateException waitRefused(String request) {
        return new IllegalStateException("Deadlock refused: " + request + " would wait on a lock this thread holds");
    }

    /** How refusals name a request: its mode and its path (or paths). */
    public static String describe(List<Path> paths, LockMode mode) {
        return mode + " " + (paths.size() == 1 ? paths.get(0) : paths);
    }

    /** The newest lock of the context that covers every path in mode; -1 if none. */
    private int covering(List<Path> paths, LockMode mode) {
        for (int i = size - 1; i >= 0; i--) {
            if (locks[i].mode().covers(mode) && coversAll(pathsOf(i), paths)) {
                return i;
            }
        }
        return -1;
    }

    /** The paths the i-th lock of the context stands for: all of a request's, or a nested hold's own. */
    private List<Path> pathsOf(int i) {
        PathLock lock = locks[i];
        while (lock instanceof DecoratedPathLock decorated) {
            lock = decorated.decorated();
        }
        return lock == roots[i] ? roots[i].paths() : List.of(locks[i].path());
    }

    private static boolean coversAll(List<Path> held, List<Path> wanted) {
        for (Path path : wanted) {
            boolean covered = false;
            for (Path mine : held) {
                if (PathRules.isAtOrAbove(mine, path)) {
                    covered = true;
                    break;
                }
            }
            if (!covered) {
                return false;
            }
        }
        return true;
    }

    /** The managed lock {@code lock} is, decorates or is nested in; null for a lock of no such manager. */
    private static ManagedLock rootOf(PathLock lock) {
        while (true) {
            if (lock instanceof ManagedLock managed) {
                return managed;
            } else if (lock instanceof NestedLock nested) {
                lock = nested.enclosing();
            } else if (lock instanceof DecoratedPathLock decorated) {
                lock = decorated.decorated();
            } else {
                return null;
            }
        }
    }
}
