package dev.persistence.spi;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import dev.persistence.LockMode;
import dev.persistence.PathLock;

/*
 * A hold inside a lock the work already has: no queue position of its own. Two kinds:
 *   - nested (a blocking request covered by the thread's context): held while the lock it is
 *     nested in is and until it is closed; closing it releases nothing.
 *   - pinned (an asynchronous request covered by the context): it took a pin in the root lock
 *     (ManagedLock.pin), so the root stays held until this hold is closed, even past the root's
 *     own close(); closing it unpins exactly once.
 * A request covered by several locks of the context, none covering all of it, is a SpanningHold
 * of one such hold per covering lock, each standing for the paths that lock covers.
 */
final class NestedLock implements PathLock {

    private final PathLock enclosing;
    /** The root lock this hold pins, or null for a plain nested hold. */
    private final ManagedLock pinned;
    /** The paths this hold stands for in a context: every path of its request it is nested for. */
    private final List<Path> paths;
    private final LockMode mode;
    private final AtomicBoolean closed = new AtomicBoolean();

    NestedLock(PathLock enclosing, ManagedLock pinned, List<Path> paths, LockMode mode) {
        this.enclosing = enclosing;
        this.pinned = pinned;
        this.paths = paths;
        this.mode = mode;
    }

    PathLock enclosing() {
        return enclosing;
    }

    boolean isPinned() {
        return pinned != null;
    }

    boolean isOpen() {
        return !closed.get();
    }

    @Override
    public List<Path> paths() {
        return paths;
    }

    @Override
    public Path path() {
        return paths.get(0);
    }

    @Override
    public LockMode mode() {
        return mode;
    }

    @Override
    public boolean isHeld() {
        return !closed.get() && (pinned != null ? pinned.isHeld() : enclosing.isHeld());
    }

    @Override
    public long fencingToken() {
        return enclosing.fencingToken();
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true) && pinned != null) {
            pinned.unpin();
        }
    }

    @Override
    public String toString() {
        return "PathLock[" + Reentrancy.describe(paths, mode) + (pinned != null ? ", pinned in " : ", nested in ") + enclosing
                + "]";
    }
}
