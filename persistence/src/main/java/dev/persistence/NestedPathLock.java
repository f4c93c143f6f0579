package dev.persistence;

import java.nio.file.Path;

import java.util.concurrent.atomic.AtomicBoolean;

/*
 * A hold inside a lock the thread already works under: it has no queue position of its own, is
 * held while the enclosing lock is and until it is closed. Closing it releases nothing but runs
 * onClose once: LocalLockManager's pinned holds unpin their enclosing request there. Shared by
 * every LockManager implementation through PathLock.nestedIn.
 */
final class NestedPathLock implements PathLock {
    private static final Runnable NOTHING = () -> { };

    private final PathLock enclosing;
    private final Path path;
    private final LockMode mode;
    private final Runnable onClose;
    private final AtomicBoolean closed = new AtomicBoolean();

    NestedPathLock(PathLock enclosing, Path path, LockMode mode) {
        this(enclosing, path, mode, NOTHING);
    }

    NestedPathLock(PathLock enclosing, Path path, LockMode mode, Runnable onClose) {
        this.enclosing = enclosing;
        this.path = path;
        this.mode = mode;
        this.onClose = onClose;
    }

    PathLock enclosing() {
        return enclosing;
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
        return !closed.get() && enclosing.isHeld();
    }

    @Override
    public long fencingToken() {
        return enclosing.fencingToken();
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            onClose.run();
        }
    }

    @Override
    public String toString() {
        return "PathLock[" + mode + " " + path + ", nested in " + enclosing + "]";
    }
}
