package dev.persistence.spi;

import java.nio.file.Path;
import java.util.List;

import dev.persistence.LockContext;
import dev.persistence.PathLock;

/**
 * A {@link PathLock} that decorates another one (to meter or trace it) and forwards every call to it. A lock
 * manager sees through a decorated lock to the lock it decorates wherever it matters — a decorated lock in a
 * {@link LockContext} gives the same re-entrancy and pinned holds as the lock itself.
 */
public interface DecoratedPathLock extends PathLock {

    /** The lock this one decorates and forwards to. */
    PathLock decorated();

    /** The decorated lock's paths: all of them for a multi-path lock. */
    @Override
    default List<Path> paths() {
        return decorated().paths();
    }
}
