package dev.persistence.cdi;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.concurrent.CompletableFuture;

import dev.persistence.LockManager;
import dev.persistence.LockMode;
import dev.persistence.LockStats;
import dev.persistence.PathLock;

/**
 * An application's own lock manager, as the CDI tests need one: forwards the interface's abstract
 * methods to another manager and keeps its default methods (so it has no pinned holds of its own).
 */
class ForwardingLockManager implements LockManager {

    private final LockManager delegate;

    ForwardingLockManager(LockManager delegate) {
        this.delegate = delegate;
    }

    @Override
    public PathLock acquire(Path path, LockMode mode) throws InterruptedException {
        return delegate.acquire(path, mode);
    }

    @Override
    public PathLock acquire(Path path, LockMode mode, Duration timeout) throws InterruptedException {
        return delegate.acquire(path, mode, timeout);
    }

    @Override
    public CompletableFuture<PathLock> acquireAsync(Path path, LockMode mode) {
        return delegate.acquireAsync(path, mode);
    }

    @Override
    public PathLock acquireAll(Collection<Path> paths, LockMode mode) throws InterruptedException {
        return delegate.acquireAll(paths, mode);
    }

    @Override
    public PathLock acquireAll(Collection<Path> paths, LockMode mode, Duration timeout) throws InterruptedException {
        return delegate.acquireAll(paths, mode, timeout);
    }

    @Override
    public LockStats stats() {
        return delegate.stats();
    }
}
