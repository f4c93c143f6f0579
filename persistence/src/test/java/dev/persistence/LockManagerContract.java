package dev.persistence;

import static dev.persistence.testsupport.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.persistence.spi.PathRules;
import dev.persistence.testsupport.HoldRegistry;

/**
 * The behavioural contract of every {@link LockManager}: the rules of the semantics document,
 * a randomised model check of the FIFO rule and a multi-threaded overlap stress test. An
 * implementation's test extends this class and supplies {@link #newManager()}.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
public abstract class LockManagerContract {

    /** A fresh, idle manager for one test. */
    protected abstract LockManager newManager() throws Exception;

    /** Releases what {@link #newManager()} opened. */
    protected void closeManager(LockManager manager) throws Exception {
    }

    /** Seeds of the model check; implementations over a network may use fewer. */
    protected int modelSeeds() {
        return 400;
    }

    /**
     * Whether a release grants waiting requests later, on another thread (a manager over a
     * network), rather than before {@code close()} returns. The in-process manager answers
     * {@code false}, and every check below then stays exact: granted means granted at once.
     */
    protected boolean grantsAreAsynchronous() {
        return false;
    }

    /** The size of a long loop for this implementation: the full count locally, less over a network. */
    protected int scaled(int count) {
        return count;
    }

    /** Asserts that a request made grantable by a release is granted — at once, or soon when grants are asynchronous. */
    protected void awaitGranted(CompletableFuture<PathLock> request, String what) throws Exception {
        if (grantsAreAsynchronous()) {
            request.get(10, TimeUnit.SECONDS);
        } else {
            assertTrue(request.isDone(), what);
        }
    }

    /** How long a test that runs until it has done its work may take before it fails: far more than it needs. */
    private static final Duration WORK_CAP = Duration.ofSeconds(30);

    protected LockManager manager;
    private ExecutorService threads;

    @BeforeEach
    void open() throws Exception {
        manager = newManager();
        threads = Executors.newCachedThreadPool();
    }

    @AfterEach
    void close() throws Exception {
        try {
            threads.shutdownNow();
            assertTrue(threads.awaitTermination(10, TimeUnit.SECONDS), "test threads did not stop");
            awaitIdle();
        } finally {
            closeManager(manager);
        }
    }

    // ------------------------------------------------------------------ conflicts

    @Test
    void readsOverlapOnSameAndRelatedPaths() throws Exception {
        // Async locks belong to no thread, so these are three distinct holds, not nested ones.
        List<CompletableFuture<PathLock>> reads = List.of(
                manager.acquireAsync(p("/a"), LockMode.READ),
                manager.acquireAsync(p("/a/b"), LockMode.READ),
                manager.acquireAsync(p("/a"), LockMode.READ));
        reads.forEach(f -> assertTrue(f.isDone(), "a read waited for a read"));
        assertEquals(3, manager.stats().activeReaders());
        reads.forEach(f -> f.join().close());
    }

    @Test
    void writeExcludesSamePathAncestorsAndDescendants() throws Exception {
        PathLock write = manager.acquire(p("/a/b"), LockMode.WRITE);
        List<CompletableFuture<PathLock>> blocked = List.of(
                manager.acquireAsync(p("/a/b"), LockMode.READ),
                manager.acquireAsync(p("/a"), LockMode.READ),
                manager.acquireAsync(p("/"), LockMode.READ),
                manager.acquireAsync(p("/a/b/c/d"), LockMode.READ));
        blocked.forEach(f -> assertFalse(f.isDone(), "conflicting request granted under a write"));
        assertEquals(4, manager.stats().queued());
        write.close();
        for (CompletableFuture<PathLock> f : blocked) {
            awaitGranted(f, "not granted after the write was released");
            f.join().close();
        }
    }

    @Test
    void siblingsAndStringPrefixSiblingsNeverWait() throws Exception {
        try (PathLock ab = manager.acquire(p("/a/b"), LockMode.WRITE);
                PathLock abc = manager.acquire(p("/a/bc"), LockMode.WRITE, Duration.ZERO);
                PathLock ac = manager.acquire(p("/a/c/d"), LockMode.WRITE, Duration.ZERO);
                PathLock xa = manager.acquire(p("/a/x/a"), LockMode.WRITE, Duration.ZERO)) {
            assertEquals(4, manager.stats().activeWriters());
        }
    }

    @Test
    void readOfFilesystemRootWaitsForAnyWriteAndWriteOfRootIsRefused() throws Exception {
        assertThrows(IllegalArgumentException.class, () -> manager.acquire(p("/"), LockMode.WRITE));
        PathLock deep = manager.acquire(p("/x/y/z"), LockMode.WRITE);
        CompletableFuture<PathLock> root = manager.acquireAsync(p("/"), LockMode.READ);
        assertFalse(root.isDone());
        deep.close();
        root.join().close();
    }

    // ------------------------------------------------------------------ order

    @Test
    void readArrivingAfterQueuedWriteDoesNotBarge() throws Exception {
        PathLock r1 = manager.acquire(p("/a/b"), LockMode.READ);
        CompletableFuture<PathLock> w = manager.acquireAsync(p("/a"), LockMode.WRITE);
        CompletableFuture<PathLock> r2 = manager.acquireAsync(p("/a/b"), LockMode.READ);
        assertFalse(w.isDone());
        assertFalse(r2.isDone(), "a read overtook an earlier conflicting write");
        r1.close();
        awaitGranted(w, "the write after the read's release");
        assertFalse(r2.isDone());
        w.join().close();
        awaitGranted(r2, "the read after the write's release");
        r2.join().close();
    }

    @Test
    void blockingIsTransitive() throws Exception {
        PathLock r1 = manager.acquire(p("/a/b"), LockMode.READ);
        CompletableFuture<PathLock> w = manager.acquireAsync(p("/a"), LockMode.WRITE);
        CompletableFuture<PathLock> r2 = manager.acquireAsync(p("/a/c"), LockMode.READ);
        CompletableFuture<PathLock> unrelated = manager.acquireAsync(p("/b"), LockMode.WRITE);
        assertFalse(r2.isDone(), "R2 on /a/c must wait for the queued write on /a");
        assertTrue(unrelated.isDone(), "a request waited for a non-conflicting one");
        unrelated.join().close();
        r1.close();
        w.join().close();
        r2.join().close();
    }

    @Test
    void blockedThreadsAreGrantedInArrivalOrder() throws Exception {
        PathLock gate = manager.acquire(p("/q"), LockMode.WRITE);
        List<String> order = new ArrayList<>();
        List<Future<?>> tasks = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            String name = "w" + i;
            tasks.add(threads.submit(() -> {
                // Every pair conflicts: the same path, or /q above /q/x, all writes.
                try (PathLock l = manager.acquire(p(name.endsWith("0") || name.endsWith("3") ? "/q" : "/q/x"),
                        LockMode.WRITE)) {
                    synchronized (order) {
                        order.add(name);
                    }
                }
                return null;
            }));
            int expected = i + 1;
            await(() -> manager.stats().queued() == expected, "request " + name + " enqueued");
        }
        gate.close();
        for (Future<?> t : tasks) {
            t.get(10, TimeUnit.SECONDS);
        }
        assertEquals(List.of("w0", "w1", "w2", "w3", "w4", "w5", "w6", "w7"), order);
    }

    // ------------------------------------------------------------------ waiting

    @Test
    void timedOutRequestIsWithdrawnAndBlocksNobody() throws Exception {
        PathLock r1 = manager.acquire(p("/a"), LockMode.READ);
        CountDownLatch queued = new CountDownLatch(1);
        Future<?> writer = threads.submit(() -> {
            queued.countDown();
            return manager.acquire(p("/a"), LockMode.WRITE, Duration.ofMillis(300));
        });
        assertTrue(queued.await(5, TimeUnit.SECONDS));
        await(() -> manager.stats().queued() == 1, "writer enqueued");
        CompletableFuture<PathLock> r2 = manager.acquireAsync(p("/a"), LockMode.READ);
        assertFalse(r2.isDone(), "R2 arrived after the queued write and must wait for it");
        ExecutionException thrown = assertThrows(ExecutionException.class, () -> writer.get(10, TimeUnit.SECONDS));
        assertInstanceOf(LockTimeoutException.class, thrown.getCause());
        awaitGranted(r2, "the withdrawn write still blocked a later read");
        r2.join().close();
        r1.close();
    }

    @Test
    void zeroTimeoutGrantsOnlyAFreeLock() throws Exception {
        try (PathLock w = manager.acquire(p("/a"), LockMode.WRITE)) {
            threads.submit(() -> assertThrows(LockTimeoutException.class,
                    () -> manager.acquire(p("/a/b"), LockMode.READ, Duration.ZERO))).get();
            assertEquals(0, manager.stats().queued());
        }
        manager.acquire(p("/a/b"), LockMode.READ, Duration.ZERO).close();
    }

    @Test
    void interruptedWaiterThrowsAndIsWithdrawn() throws Exception {
        PathLock w1 = manager.acquire(p("/a"), LockMode.WRITE);
        AtomicReference<Thread> waiter = new AtomicReference<>();
        Future<?> blocked = threads.submit(() -> {
            waiter.set(Thread.currentThread());
            return manager.acquire(p("/a/b"), LockMode.WRITE);
        });
        await(() -> manager.stats().queued() == 1, "waiter enqueued");
        CompletableFuture<PathLock> later = manager.acquireAsync(p("/a/b"), LockMode.READ);
        waiter.get().interrupt();
        ExecutionException thrown = assertThrows(ExecutionException.class, () -> blocked.get(10, TimeUnit.SECONDS));
        assertInstanceOf(InterruptedException.class, thrown.getCause());
        assertEquals(1, manager.stats().queued(), "only the later read still waits");
        w1.close();
        awaitGranted(later, "the interrupted request still blocked a later one");
        later.join().close();
    }

    @Test
    void interruptedOnEntryThrowsWithoutEnqueueing() {
        Thread.currentThread().interrupt();
        assertThrows(InterruptedException.class, () -> manager.acquire(p("/a"), LockMode.READ));
        assertFalse(Thread.interrupted(), "interrupt status is cleared by the throw");
        assertTrue(manager.stats().idle());
    }

    @Test
    void cancellingAWaitingFutureWithdrawsIt() throws Exception {
        PathLock r1 = manager.acquire(p("/a"), LockMode.READ);
        CompletableFuture<PathLock> w = manager.acquireAsync(p("/a"), LockMode.WRITE);
        CompletableFuture<PathLock> r2 = manager.acquireAsync(p("/a/b"), LockMode.READ);
        assertFalse(r2.isDone());
        assertTrue(w.cancel(true));
        awaitGranted(r2, "a cancelled write still blocked a later read");
        assertEquals(0, manager.stats().queued());
        r2.join().close();
        r1.close();
    }

    @Test
    void completingAWaitingFutureByOtherMeansWithdrawsIt() throws Exception {
        PathLock w = manager.acquire(p("/a"), LockMode.WRITE);
        CompletableFuture<PathLock> failed = manager.acquireAsync(p("/a"), LockMode.READ);
        CompletableFuture<PathLock> replaced = manager.acquireAsync(p("/a/b"), LockMode.READ);
        failed.completeExceptionally(new IllegalStateException("caller gave up"));
        replaced.complete(null);
        assertEquals(0, manager.stats().queued(), "requests completed by the caller still wait");
        w.close();
        assertEquals(0, manager.stats().activeReaders(), "a request the caller gave up on was granted");
    }

    @Test
    void grantRacingCancelNeverLeaksTheLock() throws Exception {
        int granted = 0, cancelled = 0;
        int rounds = scaled(2000);
        for (int i = 0; i < rounds; i++) {
            PathLock holder = manager.acquire(p("/race"), LockMode.WRITE);
            CompletableFuture<PathLock> waiting = manager.acquireAsync(p("/race/x"), LockMode.WRITE);
            CountDownLatch go = new CountDownLatch(1);
            Future<?> releaser = threads.submit(() -> {
                go.await();
                holder.close();
                return null;
            });
            Future<?> canceller = threads.submit(() -> {
                go.await();
                waiting.cancel(false);
                return null;
            });
            go.countDown();
            releaser.get(10, TimeUnit.SECONDS);
            canceller.get(10, TimeUnit.SECONDS);
            if (waiting.isCancelled()) {
                cancelled++;
            } else {
                granted++;
                waiting.join().close();
            }
            awaitIdle();
        }
        assertEquals(rounds, granted + cancelled);
    }

    @Test
    void closeIsIdempotentAndNeverReleasesANewerHolder() throws Exception {
        PathLock first = manager.acquire(p("/a"), LockMode.WRITE);
        assertTrue(first.isHeld());
        first.close();
        assertFalse(first.isHeld());
        PathLock second = manager.acquire(p("/a"), LockMode.WRITE);
        first.close();
        assertTrue(second.isHeld());
        CompletableFuture<PathLock> third = manager.acquireAsync(p("/a"), LockMode.READ);
        assertFalse(third.isDone(), "a stale close() released the newer holder");
        assertEquals(1, manager.stats().activeWriters());
        second.close();
        second.close();
        third.join().close();
    }

    // ------------------------------------------------------------------ re-entrancy

    @Test
    void nestedHoldsAtOrBelowAreGrantedAtOnceAndCountOnce() throws Exception {
        try (PathLock outer = manager.acquire(p("/a"), LockMode.WRITE)) {
            CompletableFuture<PathLock> other = manager.acquireAsync(p("/a/z"), LockMode.READ);
            try (PathLock same = manager.acquire(p("/a"), LockMode.WRITE, Duration.ZERO);
                    PathLock below = manager.acquire(p("/a/b/c"), LockMode.READ, Duration.ZERO);
                    PathLock all = manager.acquireAll(List.of(p("/a/x"), p("/a/y")), LockMode.WRITE)) {
                LockStats stats = manager.stats();
                assertEquals(1, stats.activeWriters());
                assertEquals(0, stats.activeReaders());
                assertEquals(1, stats.queued());
            }
            assertFalse(other.isDone(), "closing a nested hold released the outer lock");
            PathLock nested = manager.acquire(p("/a/n"), LockMode.READ);
            assertTrue(nested.isHeld());
            nested.close();
            assertFalse(nested.isHeld());
            assertTrue(outer.isHeld());
            outer.close();
            other.join().close();
        }
    }

    @Test
    void upgradesAndPathsAboveAHoldFailFast() throws Exception {
        try (PathLock read = manager.acquire(p("/a/b"), LockMode.READ)) {
            assertThrows(IllegalStateException.class, () -> manager.acquire(p("/a/b"), LockMode.WRITE));
            assertThrows(IllegalStateException.class, () -> manager.acquire(p("/a/b/c"), LockMode.WRITE));
            assertThrows(IllegalStateException.class, () -> manager.acquire(p("/a"), LockMode.READ));
            assertEquals(0, manager.stats().queued());
            assertEquals(1, manager.stats().activeReaders());
        }
    }

    @Test
    void waitingBehindARequestThatWaitsForOwnHoldFailsFast() throws Exception {
        try (PathLock mine = manager.acquire(p("/a/b"), LockMode.READ)) {
            CompletableFuture<PathLock> write = manager.acquireAsync(p("/a"), LockMode.WRITE);
            assertThrows(IllegalStateException.class, () -> manager.acquire(p("/a/c"), LockMode.READ),
                    "/a/c waits for the write on /a, which waits for this thread's read");
            try (PathLock unrelated = manager.acquire(p("/b"), LockMode.WRITE, Duration.ZERO)) {
                assertNotNull(unrelated);
            }
            write.cancel(false);
        }
    }

    @Test
    void aDisownedLockStaysHeldButIsNoLongerReentrant() throws Exception {
        PathLock kept = manager.acquire(p("/a"), LockMode.WRITE);
        kept.disown();
        assertTrue(kept.isHeld());
        assertThrows(LockTimeoutException.class, () -> manager.acquire(p("/a/b"), LockMode.READ, Duration.ofMillis(20)),
                "the thread still slipped into a lock it had disowned");
        Future<?> other = threads.submit(() -> {
            kept.close();
            return null;
        });
        other.get(10, TimeUnit.SECONDS);
        manager.acquire(p("/a/b"), LockMode.READ, Duration.ZERO).close();
    }

    @Test
    void asyncLocksAreNeverReentrant() throws Exception {
        PathLock async = manager.acquireAsync(p("/a"), LockMode.WRITE).join();
        Future<?> sameThreadWouldWait = threads.submit(() -> {
            assertThrows(LockTimeoutException.class,
                    () -> manager.acquire(p("/a/b"), LockMode.READ, Duration.ofMillis(50)));
            return null;
        });
        sameThreadWouldWait.get(10, TimeUnit.SECONDS);
        assertThrows(LockTimeoutException.class, () -> manager.acquire(p("/a/b"), LockMode.READ, Duration.ZERO));
        async.close();
    }

    // ------------------------------------------------------------------ ownership (issue 18)

    /**
     * A lock of several paths stands for each of them: {@link PathLock#paths()} lists them all and
     * {@link LockContext#covers} answers for every one (it used to look at the first path only).
     */
    @Test
    void aMultiPathLockCoversEachOfItsPathsInTheContext() throws Exception {
        try (PathLock both = manager.acquireAll(List.of(p("/mc/a"), p("/mc/b")), LockMode.WRITE)) {
            assertEquals(List.of(p("/mc/a"), p("/mc/b")), both.paths());
            assertTrue(LockContext.covers(p("/mc/a/x"), LockMode.WRITE));
            assertTrue(LockContext.covers(p("/mc/b/y"), LockMode.WRITE), "the second path of a multi-path lock");
            assertFalse(LockContext.covers(p("/mc/c"), LockMode.READ));
        }
        assertFalse(LockContext.covers(p("/mc/b/y"), LockMode.READ));
        try (PathLock one = manager.acquire(p("/mc/a"), LockMode.READ)) {
            assertEquals(List.of(p("/mc/a")), one.paths());
        }
    }

    @Test
    void aCoveredAsyncRequestIsPinnedAtOnceAndKeepsItsCoveringLockUntilItEnds() throws Exception {
        PathLock outer = manager.acquire(p("/o"), LockMode.WRITE);
        CompletableFuture<PathLock> inContext = manager.acquireAsyncInContext(p("/o/inner"), LockMode.WRITE);
        PathLock pinned = inContext.getNow(null);
        if (pinned == null) {
            inContext.cancel(false);
            outer.close();
            fail("a covered asynchronous request was not granted at once: it queued behind its caller's own lock");
        }
        assertTrue(pinned.isHeld());
        assertEquals(outer.fencingToken(), pinned.fencingToken(), "a pinned hold has its covering lock's token");
        CompletableFuture<PathLock> plain = manager.acquireAsync(p("/o/other"), LockMode.WRITE);
        assertFalse(plain.isDone(), "acquireAsync must queue whatever the thread holds");
        outer.close();
        assertFalse(LockContext.covers(p("/o/inner"), LockMode.READ), "a closed lock still covers its paths");
        assertTrue(pinned.isHeld(), "the pinned hold ended with its covering lock's close()");
        assertEquals(1, manager.stats().activeWriters(), "released under a pinned hold: " + manager.stats());
        assertFalse(plain.isDone(), "another request was granted while the pinned hold lived");
        pinned.close();
        assertFalse(pinned.isHeld());
        awaitGranted(plain, "the covering lock was not released by the last pinned hold's close()");
        plain.join().close();
        pinned.close(); // idempotent: releases nothing more
    }

    @Test
    void anAsyncRequestCoveredByTwoContextLocksIsPinnedAtOnceInBothUntilItEnds() throws Exception {
        PathLock a = manager.acquire(p("/m/a"), LockMode.WRITE);
        PathLock b = manager.acquire(p("/m/b"), LockMode.WRITE);
        long oldestToken = Math.min(a.fencingToken(), b.fencingToken());
        CompletableFuture<PathLock> inContext = manager.acquireAllAsyncInContext(List.of(p("/m/a/x"), p("/m/b/y")),
                LockMode.WRITE);
        PathLock pinned = inContext.getNow(null);
        if (pinned == null) {
            inContext.cancel(false);
            a.close();
            b.close();
            fail("a request covered by two locks of the context queued behind its caller's own locks");
        }
        assertEquals(p("/m/a/x"), pinned.path());
        assertEquals(LockMode.WRITE, pinned.mode());
        assertTrue(pinned.isHeld());
        assertEquals(oldestToken, pinned.fencingToken(), "a hold in several locks has the smallest of their tokens");
        Future<PathLock> third = threads.submit(() -> manager.acquire(p("/m/b/y"), LockMode.WRITE));
        CompletableFuture<PathLock> onA = manager.acquireAsync(p("/m/a"), LockMode.READ);
        a.close(); // the caller's scopes end before the asynchronous work does
        b.close();
        assertFalse(LockContext.covers(p("/m/a/x"), LockMode.READ), "a closed lock still covers its paths");
        assertTrue(pinned.isHeld(), "the pinned hold ended with its covering locks' close()");
        assertEquals(2, manager.stats().activeWriters(), "released under a pinned hold: " + manager.stats());
        try (LockContext.Scope ignored = LockContext.enter(pinned)) {
            // Entered in a context, the hold covers each of its paths, through the lock that covers it.
            manager.acquire(p("/m/b/y/z"), LockMode.WRITE, Duration.ZERO).close();
            manager.acquire(p("/m/a/x/z"), LockMode.READ, Duration.ZERO).close();
            manager.acquireAll(List.of(p("/m/a/x/1"), p("/m/b/y/2")), LockMode.WRITE, Duration.ZERO).close();
        }
        assertFalse(third.isDone(), "another thread was granted a path of the pinned hold");
        assertFalse(onA.isDone(), "another request was granted a covering lock while the pinned hold lived");
        pinned.close();
        assertFalse(pinned.isHeld());
        third.get(10, TimeUnit.SECONDS).close();
        awaitGranted(onA, "a covering lock was not released by the pinned hold's close()");
        onA.join().close();
        pinned.close(); // idempotent: unpins nothing more
    }

    @Test
    void aBlockingRequestCoveredByTwoContextLocksIsANestedHold() throws Exception {
        try (PathLock a = manager.acquire(p("/n/a"), LockMode.WRITE);
                PathLock b = manager.acquire(p("/n/b"), LockMode.READ)) {
            PathLock nested = manager.acquireAll(List.of(p("/n/a/x"), p("/n/b/y")), LockMode.READ, Duration.ZERO);
            assertEquals(p("/n/a/x"), nested.path());
            assertEquals(LockMode.READ, nested.mode());
            assertTrue(nested.isHeld());
            assertEquals(1, manager.stats().activeWriters(), "a nested hold was counted again: " + manager.stats());
            assertEquals(1, manager.stats().activeReaders(), "a nested hold was counted again: " + manager.stats());
            try (PathLock inside = manager.acquire(p("/n/b/y/z"), LockMode.READ, Duration.ZERO)) {
                assertTrue(inside.isHeld(), "a nested hold does not stand for each of its paths");
            }
            nested.close();
            assertTrue(a.isHeld() && b.isHeld(), "closing a nested hold released a lock it was in");
            IllegalStateException upgrade = assertThrows(IllegalStateException.class,
                    () -> manager.acquireAll(List.of(p("/n/a/x"), p("/n/b/y")), LockMode.WRITE));
            assertTrue(upgrade.getMessage().startsWith("Deadlock refused: WRITE [/n/a/x, /n/b/y]"), upgrade.getMessage());
            PathLock blocking = manager.acquireAll(List.of(p("/n/a/x"), p("/n/b/y")), LockMode.READ);
            b.close();
            assertFalse(blocking.isHeld(), "a nested hold outlived a lock it was in");
            blocking.close();
        }
    }

    /**
     * Closing the covering locks on another thread while a pinned hold in both is being taken:
     * whatever the interleaving (pinned in both, one pinned then undone, or queued), the request
     * ends up held, its paths stay locked until it is closed, and nothing is left behind. The
     * closer starts within a few spins of the request, later by a delay that sweeps the window.
     */
    @Test
    void closingTheCoveringLocksWhileAPinnedHoldIsTakenNeverLeaksNorReleasesEarly() throws Exception {
        int rounds = scaled(3000);
        for (int round = 0; round < rounds; round++) {
            PathLock a = manager.acquire(p("/race/a"), LockMode.WRITE);
            PathLock b = manager.acquire(p("/race/b"), LockMode.WRITE);
            AtomicInteger phase = new AtomicInteger(); // 1: the closer is running, 2: both go
            boolean bFirst = (round & 1) == 1;
            int delay = (round >> 1) % 256; // spins before closing, to sweep the window of the pinning
            Future<?> closer = threads.submit(() -> {
                phase.set(1);
                while (phase.get() != 2) {
                    Thread.onSpinWait();
                }
                for (int spin = 0; spin < delay; spin++) {
                    Thread.onSpinWait();
                }
                (bFirst ? b : a).close();
                (bFirst ? a : b).close();
                return null;
            });
            while (phase.get() != 1) {
                Thread.onSpinWait();
            }
            phase.set(2);
            CompletableFuture<PathLock> request = manager.acquireAllAsyncInContext(
                    List.of(p("/race/a/x"), p("/race/b/y")), LockMode.WRITE);
            closer.get(10, TimeUnit.SECONDS);
            PathLock hold = request.get(10, TimeUnit.SECONDS);
            assertTrue(hold.isHeld(), "round " + round);
            for (String path : new String[] { "/race/a/x", "/race/b/y" }) {
                assertThrows(LockTimeoutException.class, () -> manager.acquire(p(path), LockMode.READ, Duration.ZERO),
                        "round " + round + ": " + path + " was free under the request's hold " + hold);
            }
            hold.close();
            awaitIdle();
        }
    }

    @Test
    void aLockClosedAfterACaptureCoversNothingInThatContext() throws Exception {
        PathLock lock = manager.acquire(p("/c"), LockMode.WRITE);
        LockContext captured = LockContext.capture();
        assertFalse(captured.isEmpty());
        lock.close();
        assertTrue(captured.isEmpty(), "a captured context still holds a closed lock");
        try (LockContext.Scope ignored = captured.activate()) {
            assertFalse(LockContext.covers(p("/c/x"), LockMode.READ),
                    "covers() answered true for a lock closed after the capture");
            manager.acquire(p("/c/x"), LockMode.WRITE, Duration.ofSeconds(10)).close();
        }
        PathLock entered = manager.acquire(p("/d"), LockMode.READ);
        entered.disown();
        try (LockContext.Scope ignored = LockContext.enter(entered)) {
            assertTrue(LockContext.covers(p("/d/x"), LockMode.READ));
            entered.close();
            assertFalse(LockContext.covers(p("/d/x"), LockMode.READ),
                    "covers() answered true for an entered lock closed since");
        }
    }

    @Test
    void aPooledThreadKeepsNoThreadLocalOnceItsHoldsEnd() throws Exception {
        ExecutorService pooled = Executors.newSingleThreadExecutor();
        try {
            Thread thread = pooled.submit(Thread::currentThread).get(10, TimeUnit.SECONDS);
            assertEquals(List.of(), ThreadLocals.ofLibrary(thread), "before any lock");
            pooled.submit(() -> {
                try (PathLock explicit = manager.acquire(p("/t/a"), LockMode.WRITE);
                        PathLock nested = manager.acquire(p("/t/a/b"), LockMode.READ)) {
                    assertTrue(nested.isHeld() && explicit.isHeld());
                }
                return null;
            }).get(10, TimeUnit.SECONDS);
            assertEquals(List.of(), ThreadLocals.ofLibrary(thread), "after an explicit hold and a nested one");
            pooled.submit(() -> {
                PathLock disowned = manager.acquire(p("/t/b"), LockMode.WRITE);
                disowned.disown();
                return disowned;
            }).get(10, TimeUnit.SECONDS).close();
            assertEquals(List.of(), ThreadLocals.ofLibrary(thread), "after a hold disowned on its thread");
            pooled.submit(() -> {
                PathLock outer = manager.acquire(p("/t/c"), LockMode.WRITE);
                PathLock pinned = manager.acquireAsyncInContext(p("/t/c/d"), LockMode.WRITE).get(10, TimeUnit.SECONDS);
                try (LockContext.Scope ignored = LockContext.enter(pinned)) {
                    manager.acquire(p("/t/c/d/e"), LockMode.READ).close();
                }
                outer.close();
                pinned.close();
                return null;
            }).get(10, TimeUnit.SECONDS);
            assertEquals(List.of(), ThreadLocals.ofLibrary(thread), "after a pinned hold and a scope");
            PathLock blocker = manager.acquire(p("/t/g"), LockMode.WRITE);
            CompletableFuture<PathLock> granted = manager.acquireAsync(p("/t/g"), LockMode.WRITE);
            pooled.submit(blocker::close).get(10, TimeUnit.SECONDS); // the grant's callbacks run on the pooled thread
            granted.get(10, TimeUnit.SECONDS).close();
            awaitIdle();
            assertEquals(List.of(), ThreadLocals.ofLibrary(thread), "after releasing into an asynchronous grant");
        } finally {
            pooled.shutdownNow();
        }
    }

    // ------------------------------------------------------------------ fencing tokens

    @Test
    void fencingTokensGrowWithEveryConflictingGrantAndNestedHoldsShareTheirs() throws Exception {
        PathLock first = manager.acquire(p("/f/a"), LockMode.WRITE);
        CompletableFuture<PathLock> second = manager.acquireAsync(p("/f"), LockMode.READ);
        CompletableFuture<PathLock> third = manager.acquireAsync(p("/f/a/b"), LockMode.WRITE);
        long t1 = first.fencingToken();
        try (PathLock nested = manager.acquire(p("/f/a/x"), LockMode.READ)) {
            assertEquals(t1, nested.fencingToken(), "a nested hold has its enclosing lock's token");
        }
        first.close();
        awaitGranted(second, "the read after the write");
        long t2 = second.join().fencingToken();
        assertTrue(t2 > t1, "token " + t2 + " after " + t1);
        second.join().close();
        awaitGranted(third, "the write after the read");
        long t3 = third.join().fencingToken();
        assertTrue(t3 > t2, "token " + t3 + " after " + t2);
        third.join().close();
        try (PathLock again = manager.acquire(p("/f/a"), LockMode.WRITE)) {
            assertTrue(again.fencingToken() > t3, "token " + again.fencingToken() + " after " + t3);
        }
    }

    // ------------------------------------------------------------------ multi-path

    @Test
    void multiPathRequestNeverDeadlocksOnItselfOrOthers() throws Exception {
        try (PathLock overlapping = manager.acquireAll(List.of(p("/m/a/b"), p("/m/a"), p("/m/a")), LockMode.WRITE)) {
            assertEquals(1, manager.stats().activeWriters());
        }
        int rounds = scaled(2000);
        CountDownLatch start = new CountDownLatch(1);
        Take blocking = paths -> manager.acquireAll(paths, LockMode.WRITE);
        Future<?> forward = threads.submit(() -> swap(start, rounds, List.of(p("/m/x"), p("/m/y")), blocking));
        Future<?> backward = threads.submit(() -> swap(start, rounds, List.of(p("/m/y"), p("/m/x")), blocking));
        start.countDown();
        forward.get(30, TimeUnit.SECONDS);
        backward.get(30, TimeUnit.SECONDS);
    }

    /** One way of taking a multi-path lock. */
    @FunctionalInterface
    private interface Take {
        PathLock take(List<Path> paths) throws Exception;
    }

    /** Takes and releases {@code paths} {@code rounds} times, from {@code start}. */
    private static Void swap(CountDownLatch start, int rounds, List<Path> paths, Take take) throws Exception {
        start.await();
        for (int i = 0; i < rounds; i++) {
            take.take(paths).close();
        }
        return null;
    }

    @Test
    void multiPathRequestIsGrantedAtomically() throws Exception {
        PathLock x = manager.acquire(p("/x"), LockMode.WRITE);
        CompletableFuture<PathLock> both = CompletableFuture.supplyAsync(() -> {
            try {
                return manager.acquireAll(List.of(p("/x/1"), p("/y/1")), LockMode.WRITE);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        }, threads);
        await(() -> manager.stats().queued() == 1, "multi-path request enqueued");
        CompletableFuture<PathLock> y = manager.acquireAsync(p("/y"), LockMode.READ);
        assertFalse(y.isDone(), "the waiting multi-path request did not hold its place on /y/1");
        x.close();
        both.get(10, TimeUnit.SECONDS).close();
        y.join().close();
    }

    @Test
    void asyncMultiPathRequestIsGrantedAtomicallyAndWithdrawnWhole() throws Exception {
        PathLock x = manager.acquire(p("/x"), LockMode.WRITE);
        CompletableFuture<PathLock> both = manager.acquireAllAsync(List.of(p("/x/1"), p("/y/1")), LockMode.WRITE);
        assertFalse(both.isDone(), "granted while /x is held");
        assertEquals(1, manager.stats().activeWriters(), "a waiting multi-path request holds none of its paths");
        CompletableFuture<PathLock> y = manager.acquireAsync(p("/y"), LockMode.READ);
        assertFalse(y.isDone(), "the waiting multi-path request did not hold its place on /y/1");
        x.close();
        awaitGranted(both, "both paths free, the multi-path request was not granted");
        PathLock granted = both.join();
        assertEquals(p("/x/1"), granted.path());
        assertFalse(y.isDone(), "/y/1 is held by the multi-path request");
        granted.close();
        awaitGranted(y, "the multi-path request's release did not free /y/1");
        y.join().close();

        PathLock held = manager.acquire(p("/x"), LockMode.WRITE);
        CompletableFuture<PathLock> withdrawn = manager.acquireAllAsync(List.of(p("/x/2"), p("/y/2")), LockMode.WRITE);
        CompletableFuture<PathLock> later = manager.acquireAsync(p("/y"), LockMode.WRITE);
        assertTrue(withdrawn.cancel(false));
        awaitGranted(later, "a withdrawn multi-path request still blocked /y");
        later.join().close();
        held.close();
    }

    @Test
    void asyncMultiPathRequestsInOppositeOrdersNeverDeadlock() throws Exception {
        int rounds = scaled(2000);
        CountDownLatch start = new CountDownLatch(1);
        Take async = paths -> manager.acquireAllAsync(paths, LockMode.WRITE).get(30, TimeUnit.SECONDS);
        Future<?> forward = threads.submit(() -> swap(start, rounds, List.of(p("/n/x"), p("/n/y")), async));
        Future<?> backward = threads.submit(() -> swap(start, rounds, List.of(p("/n/y"), p("/n/x")), async));
        start.countDown();
        forward.get(60, TimeUnit.SECONDS);
        backward.get(60, TimeUnit.SECONDS);
    }

    // ------------------------------------------------------------------ input

    @Test
    void badPathsAreRefusedBeforeAnythingIsEnqueued() {
        for (String bad : List.of("a", "a/b", "/a/../b", "/a/./b", "/..", "/a/..")) {
            Path path = Path.of(bad);
            assertThrows(IllegalArgumentException.class, () -> manager.acquire(path, LockMode.READ), bad);
            assertThrows(IllegalArgumentException.class, () -> manager.acquireAsync(path, LockMode.WRITE), bad);
            assertThrows(IllegalArgumentException.class,
                    () -> manager.acquireAll(List.of(p("/ok"), path), LockMode.READ), bad);
            assertThrows(IllegalArgumentException.class,
                    () -> manager.acquireAllAsync(List.of(p("/ok"), path), LockMode.READ), bad);
        }
        assertThrows(IllegalArgumentException.class, () -> manager.acquireAll(List.of(), LockMode.READ));
        assertThrows(IllegalArgumentException.class, () -> manager.acquireAllAsync(List.of(), LockMode.WRITE));
        assertThrows(NullPointerException.class, () -> manager.acquire(null, LockMode.READ));
        assertTrue(manager.stats().idle());
    }

    // ------------------------------------------------------------------ stats and memory

    @Test
    void statsReportWaitersAndTheOldestWait() throws Exception {
        assertEquals(new LockStats(0, 0, 0, Duration.ZERO, 0), manager.stats());
        PathLock w = manager.acquire(p("/s/t"), LockMode.WRITE);
        CompletableFuture<PathLock> r = manager.acquireAsync(p("/s"), LockMode.READ);
        await(() -> manager.stats().oldestWait().toMillis() >= 20, "oldest wait grows");
        LockStats stats = manager.stats();
        assertEquals(1, stats.queued());
        assertEquals(1, stats.activeWriters());
        assertTrue(stats.nodes() >= 3, "nodes for /, s and t: " + stats);
        w.close();
        r.join().close();
        assertEquals(Duration.ZERO, manager.stats().oldestWait());
    }

    @Test
    void memoryStaysFlatBehindALongHeldLock() throws Exception {
        PathLock longHeld = manager.acquire(p("/mem"), LockMode.READ);
        CompletableFuture<PathLock> queuedWrite = manager.acquireAsync(p("/mem"), LockMode.WRITE);
        int baseline = manager.stats().nodes();
        for (int i = 0; i < scaled(20_000); i++) {
            manager.acquire(p("/other/" + (i % 100) + "/f" + i), LockMode.WRITE).close();
            manager.acquireAsync(p("/mem/sub/" + i), LockMode.READ).cancel(false);
        }
        assertEquals(baseline, manager.stats().nodes(), "nodes grew behind a long-held lock");
        assertEquals(1, manager.stats().queued());
        longHeld.close();
        queuedWrite.join().close();
    }

    @Test
    void thousandsOfSiblingsAreFoundAndFreedInAnyOrder() throws Exception {
        int count = scaled(3000);
        List<PathLock> held = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            held.add(manager.acquireAsync(p("/t/n" + i), LockMode.READ).join());
        }
        assertEquals(count + 2, manager.stats().nodes(), "/, t and one node per sibling");
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            order.add(i);
        }
        Collections.shuffle(order, new Random(7));
        for (int step = 0; step < count; step++) {
            int i = order.get(step);
            if (step % Math.max(1, count / 30) == 0) {
                CompletableFuture<PathLock> write = manager.acquireAsync(p("/t/n" + i), LockMode.WRITE);
                assertFalse(write.isDone(), "a write on /t/n" + i + " overlapped the read still held there");
                held.get(i).close();
                awaitGranted(write, "the write after the sibling's read was released");
                write.join().close();
            } else {
                held.get(i).close();
            }
            if (step % Math.max(1, count / 6) == 0) {
                // Every sibling still held is still found: a write on each would have to wait.
                for (int k = step + 1; k < count; k += Math.max(1, count / 30)) {
                    int j = order.get(k);
                    CompletableFuture<PathLock> probe = manager.acquireAsync(p("/t/n" + j), LockMode.WRITE);
                    assertFalse(probe.isDone(), "lost track of /t/n" + j);
                    assertTrue(probe.cancel(false));
                }
            }
        }
        awaitIdle();
    }

    // ------------------------------------------------------------------ model check

    /**
     * Issues random requests in a known order and releases or withdraws them in random order;
     * after every step the granted set must equal the model's: a request is granted exactly
     * when every earlier conflicting request is gone.
     */
    @Test
    void randomisedModelCheckOfTheFifoRule() throws InterruptedException {
        String[] paths = { "/", "/a", "/a/b", "/a/bc", "/a/b/c", "/a/x", "/a/x/a", "/b", "/b/a", "/a/b/c/d" };
        int operations = 0;
        for (int seed = 0; seed < modelSeeds(); seed++) {
            Random random = new Random(seed);
            List<ModelRequest> live = new ArrayList<>();
            for (int step = 0; step < 120; step++) {
                boolean issue = live.isEmpty() || random.nextInt(100) < 55;
                if (issue) {
                    String path = paths[random.nextInt(paths.length)];
                    LockMode mode = !path.equals("/") && random.nextInt(100) < 40 ? LockMode.WRITE : LockMode.READ;
                    live.add(new ModelRequest(path, mode, manager.acquireAsync(p(path), mode)));
                } else {
                    ModelRequest victim = live.remove(random.nextInt(live.size()));
                    if (victim.future.isDone()) {
                        victim.future.join().close();
                    } else {
                        assertTrue(victim.future.cancel(false));
                    }
                }
                operations++;
                if (grantsAreAsynchronous()) {
                    List<ModelRequest> snapshot = List.copyOf(live);
                    await(() -> matchesModel(snapshot), "seed " + seed + " step " + step + " settles to the model");
                }
                assertMatchesModel(live, seed, step);
            }
            for (ModelRequest request : live) {
                if (!request.future.cancel(false)) {
                    request.future.join().close();
                }
            }
            awaitIdle();
        }
        assertTrue(operations >= modelSeeds() * 120);
    }

    private boolean matchesModel(List<ModelRequest> live) {
        for (int i = 0; i < live.size(); i++) {
            boolean expected = true;
            for (int j = 0; j < i && expected; j++) {
                expected = !live.get(i).conflicts(live.get(j));
            }
            if (expected != live.get(i).future.isDone()) {
                return false;
            }
        }
        return true;
    }

    private void assertMatchesModel(List<ModelRequest> live, int seed, int step) {
        int readers = 0, writers = 0, waiting = 0;
        for (int i = 0; i < live.size(); i++) {
            ModelRequest request = live.get(i);
            boolean expected = true;
            for (int j = 0; j < i; j++) {
                if (request.conflicts(live.get(j))) {
                    expected = false;
                    break;
                }
            }
            if (expected != request.future.isDone()) {
                fail("seed " + seed + " step " + step + ": " + request + " granted=" + request.future.isDone()
                        + " but the model says " + expected + "; live requests " + live);
            }
            if (!expected) {
                waiting++;
            } else if (request.mode == LockMode.WRITE) {
                writers++;
            } else {
                readers++;
            }
        }
        LockStats stats = manager.stats();
        assertEquals(waiting, stats.queued(), "queued at seed " + seed + " step " + step);
        assertEquals(readers, stats.activeReaders(), "readers at seed " + seed + " step " + step);
        assertEquals(writers, stats.activeWriters(), "writers at seed " + seed + " step " + step);
    }

    private record ModelRequest(String path, LockMode mode, CompletableFuture<PathLock> future) {
        boolean conflicts(ModelRequest earlier) {
            return PathRules.conflict(p(path), mode, p(earlier.path), earlier.mode); // held to the contract's words by ConflictRuleTest
        }

        @Override
        public String toString() {
            return mode + " " + path;
        }
    }

    // ------------------------------------------------------------------ stress

    /**
     * Threads take random locks (blocking, timed, async) on a small tree and record every hold,
     * until they have taken a set number; any two overlapping holds that conflict fail the test.
     * Afterwards the manager is idle.
     */
    @Test
    void stressNeverGrantsConflictingHoldsAtOnce() throws Exception {
        String[] paths = { "/s", "/s/a", "/s/a/b", "/s/a/c", "/s/b", "/s/b/a", "/s/ab", "/s/a/b/c" };
        HoldRegistry registry = new HoldRegistry();
        int workers = 6;
        int work = scaled(20_000);
        long cap = System.nanoTime() + WORK_CAP.toNanos(); // a guard against a hang, not a measurement
        AtomicInteger acquired = new AtomicInteger();
        AtomicInteger timedOut = new AtomicInteger();
        List<Future<?>> tasks = new ArrayList<>();
        for (int w = 0; w < workers; w++) {
            tasks.add(threads.submit(() -> {
                ThreadLocalRandom random = ThreadLocalRandom.current();
                while (acquired.get() < work && System.nanoTime() - cap < 0L) {
                    String path = paths[random.nextInt(paths.length)];
                    LockMode mode = random.nextInt(100) < 30 ? LockMode.WRITE : LockMode.READ;
                    PathLock lock;
                    try {
                        switch (random.nextInt(3)) {
                            case 0 -> lock = manager.acquire(p(path), mode);
                            case 1 -> lock = manager.acquire(p(path), mode, Duration.ofMillis(random.nextInt(1, 5)));
                            default -> lock = manager.acquireAsync(p(path), mode).get(10, TimeUnit.SECONDS);
                        }
                    } catch (LockTimeoutException e) {
                        timedOut.incrementAndGet();
                        continue;
                    }
                    acquired.incrementAndGet();
                    HoldRegistry.Hold hold = registry.enter(path, mode);
                    if (random.nextInt(4) == 0) {
                        Thread.onSpinWait();
                    }
                    registry.exit(hold);
                    lock.close();
                }
                return null;
            }));
        }
        for (Future<?> task : tasks) {
            task.get(WORK_CAP.toSeconds() + 10, TimeUnit.SECONDS);
        }
        assertEquals(List.of(), registry.violations(), "conflicting holds overlapped");
        assertTrue(acquired.get() >= work, "only " + acquired + " of " + work + " acquisitions within " + WORK_CAP);
        assertTrue(manager.stats().idle(), "not idle after the stress: " + manager.stats());
    }

    /**
     * Timed waits that run out and waiters interrupted at random moments, on a shared tree, until
     * each has happened a set number of times: no conflicting overlap, and afterwards nothing is
     * held, nothing waits, no node is kept.
     */
    @Test
    void interruptsAndTimeoutsUnderLoadLeaveNoTrace() throws Exception {
        String[] paths = { "/i", "/i/a", "/i/a/b", "/i/b", "/i/b/c", "/i/a/c" };
        HoldRegistry registry = new HoldRegistry();
        long cap = System.nanoTime() + WORK_CAP.toNanos(); // a guard against a hang, not a measurement
        AtomicInteger interrupted = new AtomicInteger(), timedOut = new AtomicInteger(), acquired = new AtomicInteger();
        int work = scaled(2_000), faults = scaled(100);
        BooleanSupplier done = () -> acquired.get() >= work && interrupted.get() >= faults && timedOut.get() >= faults
                || System.nanoTime() - cap >= 0L;
        List<Thread> workers = new ArrayList<>();
        for (int w = 0; w < 6; w++) {
            Thread worker = new Thread(() -> {
                ThreadLocalRandom random = ThreadLocalRandom.current();
                while (!done.getAsBoolean()) {
                    String path = paths[random.nextInt(paths.length)];
                    LockMode mode = random.nextInt(100) < 40 ? LockMode.WRITE : LockMode.READ;
                    try (PathLock lock = random.nextBoolean() ? manager.acquire(p(path), mode)
                            : manager.acquire(p(path), mode, Duration.ofMillis(random.nextInt(1, 3)))) {
                        acquired.incrementAndGet();
                        HoldRegistry.Hold hold = registry.enter(path, mode);
                        try {
                            if (random.nextInt(20) == 0) {
                                Thread.sleep(3); // a long hold now and then: timed waits behind it run out
                            } else {
                                Thread.onSpinWait();
                            }
                        } finally {
                            registry.exit(hold);
                        }
                    } catch (InterruptedException e) {
                        interrupted.incrementAndGet();
                    } catch (LockTimeoutException e) {
                        timedOut.incrementAndGet();
                    }
                }
            });
            workers.add(worker);
            worker.start();
        }
        ThreadLocalRandom random = ThreadLocalRandom.current();
        while (!done.getAsBoolean()) {
            workers.get(random.nextInt(workers.size())).interrupt();
            Thread.sleep(0, random.nextInt(1, 200_000)); // pacing the interrupts, not synchronising
        }
        for (Thread worker : workers) {
            worker.join(TimeUnit.SECONDS.toMillis(20));
            assertFalse(worker.isAlive(), "a worker is stuck");
        }
        assertEquals(List.of(), registry.violations(), "conflicting holds overlapped");
        assertTrue(acquired.get() >= work && interrupted.get() >= faults && timedOut.get() >= faults,
                "within " + WORK_CAP + ": interrupted " + interrupted + ", timed out " + timedOut + ", acquired " + acquired);
        awaitIdle();
    }

    // ------------------------------------------------------------------ helpers

    protected static Path p(String path) {
        return Path.of(path);
    }

    protected void awaitIdle() throws InterruptedException {
        await(() -> manager.stats().idle(), "manager idle, but " + manager.stats());
    }
}
