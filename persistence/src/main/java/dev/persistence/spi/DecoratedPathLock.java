package dev.persistence.spi;

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
}
