package dev.persistence.spi;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
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
     * which context locks cover it (a nested or pinned hold in one of them, or spanning several
     * when none covers it all), which related one makes waiting a deadlock on oneself (the
     * refusal, worded once), and which granted requests are the context's (for a manager's check
     * that a waiting request would wait, through others, on one of them).
     * A manager asks before it enqueues; it never reads the ThreadLocal itself.
     */

    private static final Reentrancy NONE = new Reentrancy(new PathLock[0], new ManagedLock[0], 0);

    /**
     * The context's locks of this manager, oldest first, as they are in the context; a
     * SpanningHold of the context is here as its parts.
     */
    private PathLock[] locks;
    /** For each of them, the lock of the manager it is or is nested in. */
    private ManagedLock[] roots;
    private int size;

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
        Reentrancy reentrancy = new Reentrancy(new PathLock[context.length], new ManagedLock[context.length], 0);
        for (PathLock lock : context) {
            if (undecorated(lock) instanceof SpanningHold spanning) {
                for (NestedLock part : spanning.parts()) {
                    reentrancy.addIfOf(manager, part);
                }
            } else {
                reentrancy.addIfOf(manager, lock);
            }
        }
        return reentrancy.size == 0 ? NONE : reentrancy;
    }

    /** Adds {@code lock}, a lock of the context, if it is {@code manager}'s. */
    private void addIfOf(LockManager manager, PathLock lock) {
        ManagedLock root = rootOf(lock);
        if (root != null && root.manager() == manager) {
            if (size == locks.length) {
                locks = Arrays.copyOf(locks, size * 2);
                roots = Arrays.copyOf(roots, size * 2);
            }
            locks[size] = lock;
            roots[size++] = root;
        }
    }

    /** Whether the context has none of the manager's locks: every request simply queues. */
    public boolean isEmpty() {
        return size == 0;
    }

    /**
     * For a blocking request: a nested hold, granted at once, if every path is covered in
     * {@code mode} by a lock of the context — one lock for all, or several together (it changes
     * no queue and releases nothing when closed); {@code null} if no lock of the context is
     * related to the request.
     *
     * @throws IllegalStateException if a related lock does not cover it: waiting would be a deadlock on oneself
     * @throws dev.persistence.LockLostException if a covering or related lock is lost ({@link ManagedLock#requireUsable})
     */
    public PathLock nestedHold(List<Path> paths, LockMode mode) {
        int covering = covering(paths, mode);
        if (covering >= 0) {
            return nestedIn(covering, paths, paths, mode);
        }
        int[] each = coveringEach(paths, mode);
        if (each != null) {
            return spanningHold(paths, mode, each, false);
        }
        for (int i = 0; i < size; i++) {
            for (Path held : locks[i].paths()) {
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
     * hold if every path is covered in {@code mode} by a lock of the context — one lock for all,
     * or several together. It is granted at once, changes no queue, and keeps each covering lock
     * held, even past its close(), until the pinned hold is closed too. All or nothing: if a
     * covering lock is closed before it is pinned, the locks pinned already are unpinned and the
     * answer is {@code null}, as when none covers the request (it then queues like any other).
     *
     * @throws dev.persistence.LockLostException if a covering lock is lost
     */
    public PathLock pinnedHold(List<Path> paths, LockMode mode) {
        int covering = covering(paths, mode);
        if (covering >= 0) {
            return pinnedIn(covering, paths, paths, mode);
        }
        int[] each = coveringEach(paths, mode);
        return each == null ? null : spanningHold(paths, mode, each, true);
    }

    /**
     * The hold of a request whose i-th path the {@code each[i]}-th lock of the context covers:
     * one part per covering lock, pinning it if {@code pin}; null if a lock to pin was closed.
     * Whatever it does not return, it undoes: the parts taken already are closed (unpinned).
     */
    private PathLock spanningHold(List<Path> paths, LockMode mode, int[] each, boolean pin) {
        int[] covering = Arrays.stream(each).distinct().toArray();
        NestedLock[] parts = new NestedLock[covering.length];
        try {
            for (int part = 0; part < parts.length; part++) {
                List<Path> covered = new ArrayList<>();
                for (int i = 0; i < each.length; i++) {
                    if (each[i] == covering[part]) {
                        covered.add(paths.get(i));
                    }
                }
                covered = List.copyOf(covered);
                parts[part] = pin ? pinnedIn(covering[part], covered, paths, mode)
                        : nestedIn(covering[part], covered, paths, mode);
                if (parts[part] == null) {
                    closeAll(parts); // a lock closed meanwhile is released by its last unpin, as by its close()
                    return null;
                }
            }
        } catch (RuntimeException lost) {
            closeAll(parts);
            throw lost;
        }
        return new SpanningHold(parts, paths, mode);
    }

    /** A nested hold for {@code covered} in the i-th lock of the context, part of a request on {@code paths}. */
    private NestedLock nestedIn(int i, List<Path> covered, List<Path> paths, LockMode mode) {
        roots[i].requireUsable(describe(paths, mode));
        return new NestedLock(locks[i], null, covered, mode);
    }

    /**
     * A pinned hold for {@code covered} in the i-th lock of the context, part of a request on
     * {@code paths}; null if that lock was closed. Pinned before it is asked whether it is usable,
     * so that a lock closed meanwhile counts as closed, not as lost.
     */
    private NestedLock pinnedIn(int i, List<Path> covered, List<Path> paths, LockMode mode) {
        ManagedLock root = roots[i];
        if (!root.pin()) {
            return null;
        }
        NestedLock hold = new NestedLock(locks[i], root, covered, mode);
        try {
            root.requireUsable(describe(paths, mode));
        } catch (RuntimeException lost) {
            hold.close();
            throw lost;
        }
        return hold;
    }

    private static void closeAll(NestedLock[] holds) {
        for (NestedLock hold : holds) {
            if (hold != null) {
                hold.close();
            }
        }
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
            if (coversAll(locks[i], paths, mode)) {
                return i;
            }
        }
        return -1;
    }

    /** For each path, the newest lock of the context that covers it in mode; null if one has none. */
    private int[] coveringEach(List<Path> paths, LockMode mode) {
        if (paths.size() < 2) {
            return null; // one path: covering() answered
        }
        int[] each = new int[paths.size()];
        for (int p = 0; p < each.length; p++) {
            each[p] = covering(List.of(paths.get(p)), mode);
            if (each[p] < 0) {
                return null;
            }
        }
        return each;
    }

    private static boolean coversAll(PathLock lock, List<Path> wanted, LockMode mode) {
        for (Path path : wanted) {
            if (!covers(lock, path, mode)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Whether {@code lock} covers {@code path} in {@code mode}: its mode covers {@code mode} and
     * one of its paths (all of a multi-path lock's, a nested hold's own) is at or above
     * {@code path}. The one coverage rule of re-entrancy and {@link LockContext#covers}.
     */
    public static boolean covers(PathLock lock, Path path, LockMode mode) {
        if (lock.mode().covers(mode)) {
            for (Path held : lock.paths()) {
                if (PathRules.isAtOrAbove(held, path)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** The lock {@code lock} decorates, through every decoration; {@code lock} itself if none. */
    private static PathLock undecorated(PathLock lock) {
        while (lock instanceof DecoratedPathLock decorated) {
            lock = decorated.decorated();
        }
        return lock;
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
