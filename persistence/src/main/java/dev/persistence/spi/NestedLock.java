package dev.persistence.spi;

import java.nio.file.Path;
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
 */
final class NestedLock implements PathLock {

    private final PathLock enclosing;
    /** The root lock this hold pins, or null for a plain nested hold. */
    private final ManagedLock pinned;
    private final Path path;
    private final LockMode mode;
    private final AtomicBoolean closed = new AtomicBoolean();

    NestedLock(PathLock enclosing, ManagedLock pinned, Path path, LockMode mode) {
        this.enclosing = enclosing;
        this.pinned = pinned;
        this.path = path;
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
    public Path path() {
        return path;
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
        return "PathLock[" + mode + " " + path + (pinned != null ? ", pinned in " : ", nested in ") + enclosing + "]";
    }
}
