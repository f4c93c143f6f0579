package dev.persistence.quarkus.observe;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

import dev.persistence.LockInfo;
import dev.persistence.LockLostException;
import dev.persistence.LockManager;
import dev.persistence.LockMode;
import dev.persistence.LockStats;
import dev.persistence.LockTimeoutException;
import dev.persistence.PathLock;
import dev.persistence.quarkus.observe.LockObserver.Outcome;
import dev.persistence.spi.DecoratedPathLock;

/**
 * A {@link LockManager} that tells {@link LockObserver}s (Micrometer meters, OpenTelemetry spans) about every
 * acquisition and hold of another one; every lock guarantee is the delegate's. Every {@code LockManager} method is
 * delegated explicitly, default methods included: a default left to the interface would bypass the delegate's
 * own implementation ({@code ObservedLockManagerTest} fails when one is missing). A re-entrant nested hold is
 * observed like any acquisition, granted at once.
 */
public final class ObservedLockManager implements LockManager {

    private static final VarHandle CLOSED;

    static {
        try {
            CLOSED = MethodHandles.lookup().findVarHandle(ObservedLock.class, "closed", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final LockManager delegate;
    private final LockObserver[] observers;

    /** Observes {@code delegate} with {@code observers}, in that order. */
    public ObservedLockManager(LockManager delegate, List<? extends LockObserver> observers) {
        this.delegate = delegate;
        this.observers = observers.toArray(new LockObserver[0]);
    }

    @Override
    public PathLock acquire(Path path, LockMode mode) throws InterruptedException {
        return observed(mode, () -> delegate.acquire(path, mode));
    }

    @Override
    public PathLock acquire(Path path, LockMode mode, Duration timeout) throws InterruptedException {
        return observed(mode, () -> delegate.acquire(path, mode, timeout));
    }

    @Override
    public PathLock acquireAll(Collection<Path> paths, LockMode mode) throws InterruptedException {
        return observed(mode, () -> delegate.acquireAll(paths, mode));
    }

    @Override
    public PathLock acquireAll(Collection<Path> paths, LockMode mode, Duration timeout) throws InterruptedException {
        return observed(mode, () -> delegate.acquireAll(paths, mode, timeout));
    }

    /**
     * The delegate's future, observed: cancelling the returned future withdraws the delegate's request; a grant
     * that races with that cancellation is released, never leaked. Dependent stages still run in the thread whose
     * release granted the lock.
     */
    @Override
    public CompletableFuture<PathLock> acquireAsync(Path path, LockMode mode) {
        return observedAsync(mode, () -> delegate.acquireAsync(path, mode));
    }

    /** The delegate's pinned-hold form of {@link #acquireAsync}, observed the same way. */
    @Override
    public CompletableFuture<PathLock> acquireAsyncInContext(Path path, LockMode mode) {
        return observedAsync(mode, () -> delegate.acquireAsyncInContext(path, mode));
    }

    @Override
    public CompletableFuture<PathLock> acquireAllAsync(Collection<Path> paths, LockMode mode) {
        return observedAsync(mode, () -> delegate.acquireAllAsync(paths, mode));
    }

    /** The delegate's pinned-hold form of {@link #acquireAllAsync}, observed the same way. */
    @Override
    public CompletableFuture<PathLock> acquireAllAsyncInContext(Collection<Path> paths, LockMode mode) {
        return observedAsync(mode, () -> delegate.acquireAllAsyncInContext(paths, mode));
    }

    @Override
    public LockStats stats() {
        return delegate.stats();
    }

    @Override
    public boolean isAvailable() {
        return delegate.isAvailable();
    }

    @Override
    public List<LockInfo> locks(int max) {
        return delegate.locks(max);
    }

    @Override
    public String toString() {
        return "Observed" + delegate;
    }

    private interface Acquisition {
        PathLock get() throws InterruptedException;
    }

    private PathLock observed(LockMode mode, Acquisition acquisition) throws InterruptedException {
        Object[] requests = requested(mode);
        long start = System.nanoTime();
        Outcome outcome = Outcome.REFUSED;
        try {
            PathLock lock = acquisition.get();
            outcome = Outcome.GRANTED;
            return new ObservedLock(lock, mode, requests);
        } catch (LockTimeoutException e) {
            outcome = Outcome.TIMEOUT;
            throw e;
        } catch (InterruptedException e) {
            outcome = Outcome.INTERRUPTED;
            throw e;
        } catch (LockLostException e) {
            outcome = Outcome.LOST;
            throw e;
        } finally {
            waited(requests, mode, outcome, start);
        }
    }

    private CompletableFuture<PathLock> observedAsync(LockMode mode, Supplier<CompletableFuture<PathLock>> request) {
        Object[] requests = requested(mode);
        long start = System.nanoTime();
        CompletableFuture<PathLock> inner;
        try {
            inner = request.get();
        } catch (RuntimeException refused) {
            waited(requests, mode, Outcome.REFUSED, start);
            throw refused;
        }
        CompletableFuture<PathLock> outer = new CompletableFuture<>();
        inner.whenComplete((lock, failure) -> {
            if (failure == null) {
                waited(requests, mode, Outcome.GRANTED, start);
                if (!outer.complete(new ObservedLock(lock, mode, requests))) {
                    lock.close(); // the caller gave up as it was granted
                }
            } else {
                waited(requests, mode, failure instanceof CancellationException ? Outcome.CANCELLED
                        : failure instanceof LockLostException ? Outcome.LOST : Outcome.REFUSED, start);
                outer.completeExceptionally(failure);
            }
        });
        outer.whenComplete((lock, failure) -> {
            if (failure != null) {
                inner.cancel(false); // withdraws a waiting request; does nothing once it completed
            }
        });
        return outer;
    }

    private Object[] requested(LockMode mode) {
        Object[] requests = new Object[observers.length];
        for (int i = 0; i < observers.length; i++) {
            requests[i] = observers[i].requested(mode);
        }
        return requests;
    }

    private void waited(Object[] requests, LockMode mode, Outcome outcome, long start) {
        long waited = System.nanoTime() - start;
        for (int i = 0; i < observers.length; i++) {
            observers[i].waited(requests[i], mode, outcome, waited);
        }
    }

    /** A granted lock whose release is observed once; managers see through it to the lock it decorates. */
    private final class ObservedLock implements DecoratedPathLock {
        private final PathLock lock;
        private final LockMode timerMode;
        private final Object[] requests;
        private final long granted = System.nanoTime();
        @SuppressWarnings("unused") // through CLOSED
        private volatile boolean closed;

        ObservedLock(PathLock lock, LockMode timerMode, Object[] requests) {
            this.lock = lock;
            this.timerMode = timerMode;
            this.requests = requests;
        }

        @Override
        public PathLock decorated() {
            return lock;
        }

        @Override
        public Path path() {
            return lock.path();
        }

        @Override
        public List<Path> paths() {
            return lock.paths();
        }

        @Override
        public LockMode mode() {
            return lock.mode();
        }

        @Override
        public boolean isHeld() {
            return lock.isHeld();
        }

        @Override
        public long fencingToken() {
            return lock.fencingToken();
        }

        @Override
        public void disown() {
            lock.disown();
        }

        @Override
        public void close() {
            if (CLOSED.compareAndSet(this, false, true)) {
                boolean lost = !lock.isHeld();
                lock.close();
                long held = System.nanoTime() - granted;
                for (int i = 0; i < observers.length; i++) {
                    observers[i].held(requests[i], timerMode, lost, held);
                }
            } else {
                lock.close();
            }
        }

        @Override
        public String toString() {
            return lock.toString();
        }
    }
}
