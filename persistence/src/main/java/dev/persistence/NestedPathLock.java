package dev.persistence;

import java.nio.file.Path;

/*
 * A re-entrant hold inside a lock the thread already holds: it has no queue position of its own,
 * is held while the enclosing lock is and until it is closed, and closing it releases nothing.
 * Shared by every LockManager implementation through PathLock.nestedIn.
 */
final class NestedPathLock implements PathLock {
    private final PathLock enclosing;
    private final Path path;
    private final LockMode mode;
    private volatile boolean closed;

    NestedPathLock(PathLock enclosing, Path path, LockMode mode) {
        this.enclosing = enclosing;
        this.path = path;
        this.mode = mode;
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
        return !closed && enclosing.isHeld();
    }

    @Override
    public long fencingToken() {
        return enclosing.fencingToken();
    }

    @Override
    public void close() {
        closed = true;
    }

    @Override
    public String toString() {
        return "PathLock[" + mode + " " + path + ", nested]";
    }
}
