package dev.persistence.quarkus.metrics;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import dev.persistence.LockLostException;
import dev.persistence.LockManager;
import dev.persistence.LockMode;
import dev.persistence.LockStats;
import dev.persistence.LockTimeoutException;
import dev.persistence.PathLock;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.Timer;

/**
 * A {@link LockManager} that meters another one in Micrometer; every lock guarantee is the delegate's.
 * <ul>
 * <li>{@code persistence.lock.wait} (timer, tags {@code mode}, {@code outcome}): each acquisition, from the call
 * to its end; outcome {@code granted}, {@code timeout}, {@code interrupted}, {@code cancelled} (an asynchronous
 * request withdrawn), {@code lost} or {@code refused} (a bad path, a refused deadlock).</li>
 * <li>{@code persistence.lock.hold} (timer, tags {@code mode}, {@code outcome}): each granted lock, from the
 * grant to {@code close()}; outcome {@code released}, or {@code lost} when it was no longer held at close.</li>
 * <li>{@code persistence.lock.queued}, {@code persistence.lock.active} (tag {@code mode}) and
 * {@code persistence.lock.oldest.wait} (gauges): the delegate's {@link LockStats} when scraped.</li>
 * </ul>
 * No meter is tagged by path: the number of time series stays fixed whatever the paths. A re-entrant nested
 * hold is metered like any acquisition (granted at once). Every {@code LockManager} method is delegated
 * explicitly, default methods included: a default left to the interface would bypass the delegate's own
 * implementation ({@code MeteredLockManagerTest} fails when one is missing).
 */
public final class MeteredLockManager implements LockManager {

    private enum WaitOutcome {
        GRANTED, TIMEOUT, INTERRUPTED, CANCELLED, LOST, REFUSED
    }

    private final LockManager delegate;
    private final Timer[][] waits = new Timer[LockMode.values().length][WaitOutcome.values().length];
    private final Timer[] released = new Timer[LockMode.values().length];
    private final Timer[] lost = new Timer[LockMode.values().length];

    /** Meters {@code delegate} in {@code registry}: registers every meter now. */
    public MeteredLockManager(LockManager delegate, MeterRegistry registry) {
        this.delegate = delegate;
        for (LockMode mode : LockMode.values()) {
            String tag = tag(mode);
            for (WaitOutcome outcome : WaitOutcome.values()) {
                waits[mode.ordinal()][outcome.ordinal()] = Timer.builder("persistence.lock.wait")
                        .description("Lock acquisitions, from the call to the grant or failure")
                        .tag("mode", tag).tag("outcome", tag(outcome)).register(registry);
            }
            released[mode.ordinal()] = holdTimer(registry, tag, "released");
            lost[mode.ordinal()] = holdTimer(registry, tag, "lost");
            Gauge.builder("persistence.lock.active", delegate,
                    m -> mode == LockMode.READ ? m.stats().activeReaders() : m.stats().activeWriters())
                    .description("Locks held now").tag("mode", tag).register(registry);
        }
        Gauge.builder("persistence.lock.queued", delegate, m -> m.stats().queued())
                .description("Lock requests waiting now").register(registry);
        TimeGauge.builder("persistence.lock.oldest.wait", delegate, TimeUnit.NANOSECONDS,
                m -> m.stats().oldestWait().toNanos())
                .description("How long the oldest waiting request has waited").register(registry);
    }

    private static Timer holdTimer(MeterRegistry registry, String mode, String outcome) {
        return Timer.builder("persistence.lock.hold").description("Locks held, from the grant to the release")
                .tag("mode", mode).tag("outcome", outcome).register(registry);
    }

    private static String tag(Enum<?> value) {
        return value.name().toLowerCase(java.util.Locale.ROOT);
    }

    @Override
    public PathLock acquire(Path path, LockMode mode) throws InterruptedException {
        return timed(mode, () -> delegate.acquire(path, mode));
    }

    @Override
    public PathLock acquire(Path path, LockMode mode, Duration timeout) throws InterruptedException {
        return timed(mode, () -> delegate.acquire(path, mode, timeout));
    }

    @Override
    public PathLock acquireAll(Collection<Path> paths, LockMode mode) throws InterruptedException {
        return timed(mode, () -> delegate.acquireAll(paths, mode));
    }

    @Override
    public PathLock acquireAll(Collection<Path> paths, LockMode mode, Duration timeout) throws InterruptedException {
        return timed(mode, () -> delegate.acquireAll(paths, mode, timeout));
    }

    /**
     * The delegate's future, metered: cancelling the returned future withdraws the delegate's request; a grant
     * that races with that cancellation is released, never leaked. Dependent stages still run in the thread whose
     * release granted the lock.
     */
    @Override
    public CompletableFuture<PathLock> acquireAsync(Path path, LockMode mode) {
        return meteredAsync(mode, () -> delegate.acquireAsync(path, mode));
    }

    private CompletableFuture<PathLock> meteredAsync(LockMode mode, Supplier<CompletableFuture<PathLock>> request) {
        long start = System.nanoTime();
        CompletableFuture<PathLock> inner;
        try {
            inner = request.get();
        } catch (RuntimeException refused) {
            record(mode, WaitOutcome.REFUSED, start);
            throw refused;
        }
        CompletableFuture<PathLock> outer = new CompletableFuture<>();
        inner.whenComplete((lock, failure) -> {
            if (failure == null) {
                record(mode, WaitOutcome.GRANTED, start);
                if (!outer.complete(new MeteredLock(lock, mode))) {
                    lock.close(); // the caller gave up as it was granted
                }
            } else {
                record(mode, failure instanceof CancellationException ? WaitOutcome.CANCELLED
                        : failure instanceof LockLostException ? WaitOutcome.LOST : WaitOutcome.REFUSED, start);
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

    @Override
    public LockStats stats() {
        return delegate.stats();
    }

    @Override
    public boolean isAvailable() {
        return delegate.isAvailable();
    }

    @Override
    public List<dev.persistence.LockInfo> locks(int max) {
        return delegate.locks(max);
    }

    @Override
    public String toString() {
        return "Metered" + delegate;
    }

    private interface Acquisition {
        PathLock get() throws InterruptedException;
    }

    private PathLock timed(LockMode mode, Acquisition acquisition) throws InterruptedException {
        long start = System.nanoTime();
        WaitOutcome outcome = WaitOutcome.REFUSED;
        try {
            PathLock lock = acquisition.get();
            outcome = WaitOutcome.GRANTED;
            return new MeteredLock(lock, mode);
        } catch (LockTimeoutException e) {
            outcome = WaitOutcome.TIMEOUT;
            throw e;
        } catch (InterruptedException e) {
            outcome = WaitOutcome.INTERRUPTED;
            throw e;
        } catch (LockLostException e) {
            outcome = WaitOutcome.LOST;
            throw e;
        } finally {
            record(mode, outcome, start);
        }
    }

    private void record(LockMode mode, WaitOutcome outcome, long start) {
        waits[mode.ordinal()][outcome.ordinal()].record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
    }

    private static final VarHandle CLOSED;

    static {
        try {
            CLOSED = MethodHandles.lookup().findVarHandle(MeteredLock.class, "closed", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** A granted lock whose release records its hold time once. */
    private final class MeteredLock implements PathLock {
        private final PathLock lock;
        private final LockMode timerMode;
        private final long granted = System.nanoTime();
        @SuppressWarnings("unused") // through CLOSED
        private volatile boolean closed;

        MeteredLock(PathLock lock, LockMode timerMode) {
            this.lock = lock;
            this.timerMode = timerMode;
        }

        @Override
        public Path path() {
            return lock.path();
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
        public void disown() {
            lock.disown();
        }

        @Override
        public void close() {
            if (CLOSED.compareAndSet(this, false, true)) {
                boolean stillHeld = lock.isHeld();
                lock.close();
                (stillHeld ? released : lost)[timerMode.ordinal()].record(System.nanoTime() - granted,
                        TimeUnit.NANOSECONDS);
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
